"""Signed unsubscribe links: no login, a GET only confirms, a POST turns the kind off, a bad link is a French
404, never a 500."""

import re

import pytest
from django.core import mail
from django.test import Client

from intranet.notifications.actions import notify
from intranet.notifications.digest import digest_send
from intranet.notifications.kinds import CONFIGURABLE, Delivery, Kind
from intranet.notifications.preferences import preferences_for, unsubscribe_token, unsubscribe_url
from tests.twofactor import conftest as twofactor_fixtures

pytestmark = pytest.mark.django_db

# The second factor's fixtures (a staff account with a device, the login form), shared rather than copied.
staff = twofactor_fixtures.staff
enrolled_staff = twofactor_fixtures.enrolled_staff
password_login = twofactor_fixtures.password_login


def _link_in(message) -> str:
    return re.search(
        r"<http://127\.0\.0\.1:8000(/compte/notifications/desabonnement/[^>]+)>",
        message.extra_headers["List-Unsubscribe"],
    ).group(1)


def test_link_from_an_immediate_mail_turns_off_its_kind(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[agent], verb="rooms.request", text="À valider", url="/", email=True)
    link = _link_in(mail.outbox[0])
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(link)
    assert page.status_code == 200 and "Confirmer le désabonnement" in page.content.decode()
    assert preferences_for(agent)[Kind.BOOKINGS] == Delivery.IMMEDIATE  # a GET (prefetcher) changes nothing
    # One-click unsubscribe (RFC 8058): a POST with no session and no CSRF token.
    done = anonymous.post(link, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "vous ne recevrez plus de courriel" in done.content.decode()
    assert preferences_for(agent)[Kind.BOOKINGS] == Delivery.NONE
    assert all(v != Delivery.NONE for k, v in preferences_for(agent).items() if k != Kind.BOOKINGS)


def test_the_digests_link_turns_off_every_kind_in_the_digest(agent):
    notify(
        recipients=[agent], verb="ged.version", text="Nouvelle version", url="/", email=True, place="Finances"
    )
    digest_send()
    before = preferences_for(agent)
    assert Client().post(_link_in(mail.outbox[0])).status_code == 200
    after = preferences_for(agent)
    for kind in CONFIGURABLE:
        expected = Delivery.NONE if before[kind] == Delivery.DIGEST else before[kind]
        assert after[kind] == expected, kind
    assert after[Kind.MUST_READ] == Delivery.IMMEDIATE


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_links_are_a_french_404(agent, method):
    good = unsubscribe_url(user_id=agent.pk, kind=Kind.CHAT)
    token = unsubscribe_token(user_id=agent.pk, kind=Kind.CHAT)
    other = unsubscribe_token(user_id=agent.pk + 1, kind=Kind.CHAT)
    forged = token.split(":")[0] + ":" + other.split(":")[1]
    for bad in [
        good[:-5] + "xxxx/",
        good.replace(token, forged),
        "/compte/notifications/desabonnement/n%27importe-quoi/",
    ]:
        response = getattr(Client(), method)(bad)
        assert response.status_code == 404, bad
        assert "Ce lien de désabonnement est incomplet" in response.content.decode()
    assert preferences_for(agent)[Kind.CHAT] == Delivery.DIGEST
    # The genuine link, for contrast.
    assert getattr(Client(), method)(good).status_code == 200


def test_a_link_for_another_kind_or_a_gone_agent_is_refused(agent, make_user):
    from django.core import signing

    from intranet.notifications.preferences import UNSUBSCRIBE_SALT

    account = signing.dumps({"u": agent.pk, "k": Kind.ACCOUNT}, salt=UNSUBSCRIBE_SALT)
    assert Client().get(f"/compte/notifications/desabonnement/{account}/").status_code == 404
    gone = make_user(is_active=False)
    assert Client().post(unsubscribe_url(user_id=gone.pk, kind=Kind.CHAT)).status_code == 404
    other_salt = signing.dumps({"u": agent.pk, "k": Kind.CHAT})
    assert Client().post(f"/compte/notifications/desabonnement/{other_salt}/").status_code == 404


def test_a_session_owing_its_second_factor_may_still_unsubscribe(client, enrolled_staff, password_login):
    """The link needs no session: a staff session stopped at the second factor step is not sent there."""
    password_login(enrolled_staff)
    assert client.get("/compte/notifications/").status_code == 302  # the rest of « compte » still asks
    link = unsubscribe_url(user_id=enrolled_staff.pk, kind=Kind.CHAT)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 200
    assert preferences_for(enrolled_staff)[Kind.CHAT] == Delivery.NONE
