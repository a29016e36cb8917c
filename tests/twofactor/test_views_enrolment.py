"""Enrolment from « Second facteur »: an authenticator app (QR code + secret, confirmed by a code), ten backup
codes shown once and each usable once, removal; all audited."""

import html

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from intranet.audit.models import AccessEvent
from intranet.twofactor import policy
from tests.twofactor.helpers import totp_code, totp_device

pytestmark = pytest.mark.django_db
OVERVIEW = "/compte/second-facteur/"
SETUP = "/compte/second-facteur/application/"
VERIFY = "/compte/second-facteur/verification/"


def _code_for_pending(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return str(totp(device.bin_key)).zfill(6)


def test_agent_enrols_an_authenticator_app(agent_client, agent):
    """The page shows a QR code (inline SVG) and the secret; a wrong code changes nothing; the right one
    confirms the app, verifies this session and shows ten backup codes once."""
    page = agent_client.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<title>QR code" in html
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert agent_client.get(SETUP).status_code == 200
    assert TOTPDevice.objects.filter(user=agent).count() == 1  # the scanned QR code stays valid on reload

    wrong = agent_client.post(SETUP, {"code": "12345"})
    assert wrong.status_code == 400 and "6 chiffres" in wrong.content.decode()
    right_code = _code_for_pending(agent)
    bad = agent_client.post(SETUP, {"code": "000000" if right_code != "000000" else "111111"})
    assert bad.status_code == 400 and "Ce code ne convient pas" in bad.content.decode()
    assert not TOTPDevice.objects.filter(user=agent, confirmed=True).exists()

    done = agent_client.post(SETUP, {"code": right_code[:3] + " " + right_code[3:]})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert agent_client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert agent_client.session[policy.ENROLLED_SESSION_KEY] is True
    assert list(
        AccessEvent.objects.filter(action__startswith="twofactor.")
        .order_by("pk")
        .values_list("action", "result")
    ) == [
        ("twofactor.verify", "failure"),
        ("twofactor.enrol", "success"),
        ("twofactor.backup_codes", "success"),
    ]
    # Shown once: the overview only counts them.
    overview = agent_client.get(OVERVIEW).content.decode()
    assert "Il vous reste 10 codes de secours" in overview and codes[0] not in overview


def test_enrolled_agent_is_asked_for_the_factor_at_the_next_login(client, agent, password_login):
    """Offered to every agent, and then asked of them: the password alone no longer opens their session."""
    assert client.get("/", follow=False).status_code == 302  # anonymous: login page
    password_login(agent)
    assert client.get("/annuaire/").status_code == 200  # not enrolled: password only
    client.logout()
    totp_device(agent)
    password_login(agent)
    response = client.get("/annuaire/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": totp_code(totp_device(agent))}).status_code == 302
    assert client.get("/annuaire/").status_code == 200


def test_a_backup_code_works_once(client, agent, password_login):
    """A backup code verifies a session once, then never again; its use is audited with the count left."""
    totp_device(agent)
    codes = _backup_codes(client, agent, password_login)
    client.logout()
    password_login(agent)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    event = AccessEvent.objects.get(action="twofactor.backup_code_used")
    assert event.extra == {"left": 9}
    client.logout()
    password_login(agent)
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 400 and "un code de secours ne sert qu'une fois" in html.unescape(
        again.content.decode()
    )
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


def _backup_codes(client, agent, password_login) -> list[str]:
    password_login(agent)
    client.post(VERIFY, {"code": totp_code(totp_device(agent))})
    response = client.post("/compte/second-facteur/codes-de-secours/")
    assert response.status_code == 200
    return response.context["codes"]


def test_new_backup_codes_replace_the_old_ones(client, agent, password_login):
    old = _backup_codes(client, agent, password_login)
    new = client.post("/compte/second-facteur/codes-de-secours/").context["codes"]
    assert not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=agent).values_list("token", flat=True)) == set(new)


def test_an_unverified_session_cannot_add_or_remove_devices(client, agent, password_login):
    """A stolen password alone cannot add the thief's app nor remove the agent's: verification first."""
    device = totp_device(agent)
    password_login(agent)
    for response in (
        client.get(SETUP),
        client.post("/compte/second-facteur/codes-de-secours/"),
        client.post(f"/compte/second-facteur/application/{device.pk}/supprimer/"),
        client.post("/compte/second-facteur/cle/inscription/debut/", content_type="application/json"),
    ):
        assert response.status_code in (302, 403), response
    assert TOTPDevice.objects.filter(user=agent, confirmed=True).count() == 1
    assert not TOTPDevice.objects.filter(user=agent, confirmed=False).exists()


def test_removing_the_last_app_removes_the_backup_codes(client, agent, password_login):
    """Backup codes only stand in for an app or a passkey; the agent goes back to password only."""
    _backup_codes(client, agent, password_login)
    device = totp_device(agent)
    other = client.post(f"/compte/second-facteur/application/{device.pk + 1000}/supprimer/")
    assert other.status_code == 404
    response = client.post(f"/compte/second-facteur/application/{device.pk}/supprimer/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert not StaticToken.objects.filter(device__user=agent).exists()
    assert client.get("/annuaire/").status_code == 200
    assert AccessEvent.objects.filter(action="twofactor.remove", extra__method="totp").count() == 1


def test_someone_elses_device_is_404(client, agent, make_user, password_login):
    """Forbidden and missing alike."""
    other = make_user("paul.durand")
    theirs = totp_device(other)
    _backup_codes(client, agent, password_login)
    assert client.post(f"/compte/second-facteur/application/{theirs.pk}/supprimer/").status_code == 404
    assert client.post(f"/compte/second-facteur/inconnu/{theirs.pk}/supprimer/").status_code == 404
    assert TOTPDevice.objects.filter(pk=theirs.pk).exists()


def test_overview_query_count(client, agent, password_login, django_assert_num_queries):
    """session, user, its verifying device (the enrolment check is not needed once verified), then the app,
    the backup codes and their count, the passkeys; the layout's host name and unread count."""
    _backup_codes(client, agent, password_login)
    with django_assert_num_queries(9):
        assert client.get(OVERVIEW).status_code == 200
