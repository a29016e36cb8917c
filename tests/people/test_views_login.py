"""Login, logout, lockout and session lifetime, with what the audit log records."""

import pytest
from django.conf import settings
from django.urls import reverse

from intranet.audit.models import AccessEvent

pytestmark = pytest.mark.django_db


def _post_login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def test_login_page_is_in_french(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()
    assert "Connexion à l'intranet" in response.content.decode()


def test_anonymous_agent_is_sent_to_login_with_explanation(client):
    """Every page needs a login; the login page says why the agent landed there."""
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/notifications/"
    page = client.get(response["Location"]).content.decode()
    assert "votre session a expiré" in page


def test_wrong_password_gets_french_message_and_is_audited(client, agent):
    response = _post_login(client, "marie.dupont", "faux")
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    event = AccessEvent.objects.get(action="auth.login_failed")
    assert event.actor_label == "marie.dupont" and event.result == "failure"
    # The same agent with the right password gets in.
    response = _post_login(client, "marie.dupont", "pw-test-123456")
    assert response.status_code == 302 and response["Location"] == "/"
    assert AccessEvent.objects.filter(action="auth.login", actor=agent).count() == 1


def test_session_ends_with_browser_unless_remember_me(client, agent):
    """« Rester connecté » is off by default: the session cookie dies with the browser."""
    _post_login(client, "marie.dupont", "pw-test-123456")
    assert client.session.get_expire_at_browser_close()
    client.logout()
    _post_login(client, "marie.dupont", "pw-test-123456", remember_me="on")
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.REMEMBER_ME_AGE


def test_repeated_failures_lock_the_account_with_french_message(client, agent):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "marie.dupont", "faux")
    response = _post_login(client, "marie.dupont", "pw-test-123456")
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_not_per_office(client, agent, make_user):
    """Colleagues behind the same town-hall address can still log in while one account is locked."""
    make_user("paul.dewitte")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, "marie.dupont", "faux")
    response = _post_login(client, "paul.dewitte", "pw-test-123456")
    assert response.status_code == 302


def test_logout_is_a_post_and_is_audited(agent_client, agent):
    assert agent_client.get(reverse("logout")).status_code == 405
    response = agent_client.post(reverse("logout"))
    assert response.status_code == 200
    assert "Vous êtes déconnecté·e" in response.content.decode()
    assert AccessEvent.objects.filter(action="auth.logout", actor=agent).exists()


def test_inactive_account_cannot_log_in(client, make_user):
    make_user("ancien.agent", is_active=False)
    response = _post_login(client, "ancien.agent", "pw-test-123456")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2_outside_tests():
    from intranet.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_a_lockout_ends_every_session_token_and_grant_of_the_account(client, agent, make_user):
    """R13: five wrong guesses lock the login and end what the account had open elsewhere (its sessions on
    other devices, its personal tokens); a colleague's session is untouched."""
    from django.test import Client

    from intranet.people.actions import api_token_create
    from intranet.people.models import PersonalToken

    colleague = make_user("paul.dewitte")
    elsewhere, other = Client(), Client()
    assert _post_login(elsewhere, "marie.dupont", "pw-test-123456").status_code == 302
    assert _post_login(other, "paul.dewitte", "pw-test-123456").status_code == 302
    _token, secret = api_token_create(user=agent, name="script", days=1)
    assert client.get("/api/v1/news", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, " Marie.Dupont ", "faux")

    assert elsewhere.get("/notifications/").status_code == 302  # back to the login page
    assert client.get("/api/v1/news", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert not PersonalToken.objects.filter(user=agent, revoked_at__isnull=True).exists()
    assert other.get("/notifications/").status_code == 200
    assert AccessEvent.objects.filter(action="auth.lockout_access_ended", object_id=str(agent.pk)).exists()
    assert colleague.is_active
