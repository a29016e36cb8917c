"""`user_deactivated` reaches every receiver even when one of them fails; the failure is logged and shown to
IT in the access log."""

import logging

import pytest

from chat.actions import salon_create
from chat.models import Membership
from intranet.audit.models import AccessEvent
from intranet.people.leavers import user_deactivate
from intranet.people.signals import user_deactivated

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broken_receiver():
    from chat.signals import _leaver

    def explode(sender, user, **kwargs):
        raise RuntimeError("annuaire du GED injoignable")

    # The broken receiver before chat's: with a plain send() chat's would never run.
    user_deactivated.connect(explode, dispatch_uid="test_broken")
    user_deactivated.disconnect(dispatch_uid="chat_leaver")
    user_deactivated.connect(_leaver, dispatch_uid="chat_leaver")
    yield explode
    user_deactivated.disconnect(dispatch_uid="test_broken")


def test_a_failing_receiver_does_not_stop_the_others(make_user, broken_receiver, caplog):
    marie, paul = make_user("marie.hook"), make_user("paul.hook")
    salon = salon_create(name="Projet", creator=marie, members=[paul])
    with caplog.at_level(logging.ERROR):
        user_deactivate(user=paul, reason="manual")
    assert not Membership.objects.filter(salon=salon, user=paul).exists()  # chat's receiver still ran
    failure = AccessEvent.objects.get(action="user.deactivate_hook_failed")
    assert failure.result == "failure" and failure.object_id == str(paul.pk)
    assert "annuaire du GED injoignable" in failure.extra["error"]
    assert any("user_deactivated receiver" in r.getMessage() and r.exc_info for r in caplog.records)
