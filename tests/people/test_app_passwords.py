"""App passwords: one per device, hashed at rest, for Basic-auth clients only (WebDAV), throttled like the web
login, never a way into the web, the API or OIDC."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from intranet.audit.models import AccessEvent
from intranet.people.app_passwords import (
    app_password_locked_out,
    authenticate_app_password,
    create_app_password,
    revoke_app_password,
)
from intranet.people.leavers import user_deactivate
from intranet.people.models import AppPassword, AppPasswordThrottle

pytestmark = pytest.mark.django_db

IP = "192.0.2.10"


def test_creation_returns_secret_once_and_stores_only_its_hash(agent):
    app_password, secret = create_app_password(agent, "  PC du bureau  ")
    app_password.refresh_from_db()
    assert app_password.label == "PC du bureau"
    assert len(secret) == 29 and secret.count("-") == 4
    assert app_password.secret_hash == AppPassword.hash(secret)
    stored = [str(v) for v in AppPassword.objects.filter(pk=app_password.pk).values().get().values()]
    assert not any(secret in value for value in stored)
    assert AccessEvent.objects.filter(action="app_password.create", actor=agent).count() == 1


def test_creation_without_label_is_refused_in_french(agent):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Donnez le nom de l'appareil"):
        create_app_password(agent, "   ")
    assert not AppPassword.objects.exists()


def test_authenticate_with_right_secret(agent):
    _app_password, secret = create_app_password(agent, "PC")
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent


def test_authenticate_creates_no_session(client, agent):
    from django.contrib.sessions.models import Session

    _app_password, secret = create_app_password(agent, "PC")
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent
    assert not Session.objects.exists()
    assert not AccessEvent.objects.filter(action="auth.login").exists()


@pytest.mark.parametrize("spelling", ["Marie.Dupont", " MARIE.DUPONT ", "marie.dupont"])
def test_username_is_compared_as_the_directory_does(agent, spelling):
    _app_password, secret = create_app_password(agent, "PC")
    assert authenticate_app_password(spelling, secret, ip=IP) == agent


def test_secret_typed_in_upper_case_or_with_spaces_still_works(agent):
    """The secret is shown in lower case; a phone keyboard that capitalises it must not lock the agent out."""
    _app_password, secret = create_app_password(agent, "Téléphone")
    assert authenticate_app_password("marie.dupont", f" {secret.upper()} ", ip=IP) == agent


def test_wrong_secret_is_refused(agent):
    _app_password, secret = create_app_password(agent, "PC")
    wrong = secret[:-1] + ("a" if secret[-1] != "a" else "b")
    assert authenticate_app_password("marie.dupont", wrong, ip=IP) is None
    assert authenticate_app_password("marie.dupont", "", ip=IP) is None
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent


def test_revoked_app_password_is_refused(agent):
    app_password, secret = create_app_password(agent, "PC")
    revoke_app_password(agent, app_password.pk)
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None


def test_inactive_account_is_refused(agent):
    _app_password, secret = create_app_password(agent, "PC")
    agent.is_active = False
    agent.save()
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None


def test_deactivation_revokes_app_passwords_for_good(agent):
    """A reactivated account does not get its old devices back."""
    app_password, secret = create_app_password(agent, "PC")
    user_deactivate(user=agent, reason="manual")
    agent.is_active = True
    agent.save()
    app_password.refresh_from_db()
    assert app_password.revoked_at is not None
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None


def test_real_password_is_refused(agent):
    create_app_password(agent, "PC")
    assert authenticate_app_password("marie.dupont", "pw-test-123456", ip=IP) is None


def test_other_agents_app_password_is_refused(agent, make_user):
    other = make_user("paul.dewitte")
    _app_password, secret = create_app_password(other, "PC de Paul")
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None
    assert authenticate_app_password("paul.dewitte", secret, ip=IP) == other


def test_password_change_keeps_app_passwords(agent):
    """That is what they are for: the account's password changes, the mapped drives keep working."""
    _app_password, secret = create_app_password(agent, "PC")
    agent.set_password("un-tout-nouveau-mot-de-passe")
    agent.save()
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent


def test_lockout_after_failures_even_with_the_right_secret(agent):
    _app_password, secret = create_app_password(agent, "PC")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        assert authenticate_app_password("Marie.Dupont", "mauvais", ip=IP) is None
    assert app_password_locked_out("marie.dupont", ip=IP)
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None
    # Recorded once, when the lockout starts, with the address.
    event = AccessEvent.objects.get(action="auth.app_password_lockout")
    assert event.actor_label == "marie.dupont" and event.ip == IP and event.result == "failure"
    # Another address is not locked: a town hall behind one NAT is not locked out by one stale drive.
    assert authenticate_app_password("marie.dupont", secret, ip="192.0.2.99") == agent
    # The web login of that address is not locked either: a drive retrying does not lock the agent out.
    assert not AccessEvent.objects.filter(action="auth.lockout_access_ended").exists()


def test_lockout_ends_after_cool_off_and_success_resets_the_counter(agent):
    _app_password, secret = create_app_password(agent, "PC")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        authenticate_app_password("marie.dupont", "mauvais", ip=IP)
    AppPasswordThrottle.objects.update(last_failure_at=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert not app_password_locked_out("marie.dupont", ip=IP)
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent
    assert not AppPasswordThrottle.objects.exists()


def test_failures_below_the_limit_do_not_lock(agent):
    _app_password, secret = create_app_password(agent, "PC")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        authenticate_app_password("marie.dupont", "mauvais", ip=IP)
    assert not app_password_locked_out("marie.dupont", ip=IP)
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent


def test_web_login_lockout_revokes_app_passwords(client, agent):
    """R13: a lockout on the web login ends what the account opened, app passwords included."""
    app_password, secret = create_app_password(agent, "PC")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "marie.dupont", "password": "faux"})
    app_password.refresh_from_db()
    assert app_password.revoked_at is not None
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None


def test_last_use_is_recorded_at_most_once_a_minute(agent, django_assert_num_queries):
    app_password, secret = create_app_password(agent, "PC")
    # Throttle row, app password with its user, the last-use update.
    with django_assert_num_queries(3):
        assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent
    app_password.refresh_from_db()
    first = app_password.last_used_at
    assert first is not None and app_password.last_used_ip == IP
    # Within the minute: two reads, no write.
    with django_assert_num_queries(2):
        assert authenticate_app_password("marie.dupont", secret, ip="192.0.2.11") == agent
    app_password.refresh_from_db()
    assert app_password.last_used_at == first and app_password.last_used_ip == IP
    AppPassword.objects.filter(pk=app_password.pk).update(last_used_at=first - timedelta(minutes=2))
    authenticate_app_password("marie.dupont", secret, ip="192.0.2.11")
    app_password.refresh_from_db()
    assert app_password.last_used_at > first and app_password.last_used_ip == "192.0.2.11"


def test_revoke_by_owner_only(agent, make_user):
    other = make_user("paul.dewitte")
    app_password, secret = create_app_password(agent, "PC")
    with pytest.raises(Http404):
        revoke_app_password(other, app_password.pk)
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent
    revoke_app_password(agent, app_password.pk)
    assert AccessEvent.objects.filter(action="app_password.revoke", actor=agent).count() == 1
    with pytest.raises(Http404):  # already revoked: nothing left to revoke
        revoke_app_password(agent, app_password.pk)


def test_app_password_does_not_open_the_web_login(client, agent):
    _app_password, secret = create_app_password(agent, "PC")
    response = client.post(reverse("login"), {"username": "marie.dupont", "password": secret})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": "marie.dupont", "password": "pw-test-123456"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_app_password_is_refused_by_the_api(client, agent):
    _app_password, secret = create_app_password(agent, "PC")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    from intranet.people.actions import api_token_create

    _token, token_secret = api_token_create(user=agent, name="script")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token_secret}").status_code == 200
