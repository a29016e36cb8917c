"""A leaver's Matrix deactivation is recorded in the deactivation's own transaction (security.md R12): the
outbox row exists before anything runs on commit, and rolls back with the deactivation."""

import pytest
from django.db import transaction

from chat.outbox import DEACTIVATE
from intranet.outbox.models import OutboxItem
from intranet.people.leavers import user_deactivate

pytestmark = pytest.mark.django_db


@pytest.fixture
def bridge_on(settings):
    settings.MATRIX_HOMESERVER_URL = "http://127.0.0.1:9"  # never called: rows are only recorded here
    settings.MATRIX_SERVER_NAME = "ccfi.test"
    settings.MATRIX_REGISTRATION_SHARED_SECRET = "secret-de-test"


def _rows(user):
    return OutboxItem.objects.filter(kind=DEACTIVATE, dedupe_key=f"user:{user.pk}", done_at__isnull=True)


def test_the_matrix_row_commits_with_the_deactivation(
    bridge_on, make_user, django_capture_on_commit_callbacks
):
    paul = make_user("paul.leavers")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user_deactivate(user=paul, reason="manual")
    # Before any on-commit hook has run, the row is there, in the same transaction as the deactivation.
    assert callbacks and _rows(paul).count() == 1
    for callback in callbacks:
        callback()
    # The after-commit hook (salons) found it waiting: still one row.
    assert _rows(paul).count() == 1


def test_a_rolled_back_deactivation_leaves_no_matrix_row(bridge_on, make_user):
    paul = make_user("paul.rollback")
    with pytest.raises(RuntimeError), transaction.atomic():
        user_deactivate(user=paul, reason="manual")
        raise RuntimeError("the cause rolls back")
    paul.refresh_from_db()
    assert paul.is_active and not _rows(paul).exists()


def test_a_failing_receiver_does_not_undo_the_deactivation(bridge_on, make_user, monkeypatch):
    import chat.outbox

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(chat.outbox, "matrix_later", broken)
    paul = make_user("paul.broken")
    user_deactivate(user=paul, reason="manual")
    paul.refresh_from_db()
    assert not paul.is_active
