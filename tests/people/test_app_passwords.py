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
PAGE_QUERIES = 5


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


# --- « Connecter un lecteur réseau » ---------------------------------------------------------------------


def test_page_shows_dav_url_and_instructions(agent_client, agent, settings):
    settings.SITE_URL = "https://intranet.ccfi.example"
    create_app_password(agent, "PC du bureau")
    response = agent_client.get(reverse("people:network_drive"))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert "https://intranet.ccfi.example/dav/" in page
    assert "davs://intranet.ccfi.example/dav/" in page
    assert "PC du bureau" in page and "jamais utilisé" in page
    for words in (
        "Connecter un lecteur réseau…",
        "FileSizeLimitInBytes",
        "Se connecter au serveur",
        "davfs2",
    ):
        assert words in page
    assert "n'est pas en HTTPS" not in page


def test_page_warns_when_the_address_is_not_https(agent_client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    page = agent_client.get(reverse("people:network_drive")).content.decode()
    assert "http://127.0.0.1:8000/dav/" in page and "n'est pas en HTTPS" in page


def test_page_creates_and_shows_the_secret_once(agent_client, agent):
    response = agent_client.post(reverse("people:network_drive"), {"label": "Mac personnel"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert AppPassword.objects.get(user=agent).secret_hash == AppPassword.hash(secret)
    assert secret not in agent_client.get(reverse("people:network_drive")).content.decode()
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent


def test_page_without_label_answers_400_in_french_and_creates_nothing(agent_client):
    response = agent_client.post(reverse("people:network_drive"), {"label": "  "})
    assert response.status_code == 400
    assert "Champ requis" in response.content.decode()
    assert not AppPassword.objects.exists()


def test_page_query_count_does_not_grow_with_app_passwords(agent_client, agent, django_assert_num_queries):
    create_app_password(agent, "PC 1")
    agent_client.get(reverse("people:network_drive"))  # warm the per-process caches (host name, menus)
    # Session, user, the app passwords, then what base.html asks for every page (unread notifications).
    with django_assert_num_queries(PAGE_QUERIES) as first:
        agent_client.get(reverse("people:network_drive"))
    for n in range(5):
        create_app_password(agent, f"PC {n + 2}")
    with django_assert_num_queries(len(first.captured_queries)):
        response = agent_client.get(reverse("people:network_drive"))
    assert response.content.decode().count("Révoquer<span") == 6


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("people:network_drive"))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")


def test_revoke_asks_for_confirmation_then_revokes(agent_client, agent):
    app_password, secret = create_app_password(agent, "PC du bureau")
    url = reverse("people:app_password_revoke", args=[app_password.pk])
    response = agent_client.get(url)
    assert response.status_code == 200 and "ne pourra plus se connecter" in response.content.decode()
    app_password.refresh_from_db()
    assert app_password.revoked_at is None
    response = agent_client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("people:network_drive")
    app_password.refresh_from_db()
    assert app_password.revoked_at is not None
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None
    assert agent_client.post(url).status_code == 404


def test_other_agent_cannot_see_nor_revoke(client, agent, make_user):
    app_password, secret = create_app_password(agent, "Portable de Marie")
    client.force_login(make_user("paul.dewitte"))
    url = reverse("people:app_password_revoke", args=[app_password.pk])
    missing = reverse("people:app_password_revoke", args=[app_password.pk + 1000])
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    assert client.get(missing).status_code == 404
    assert "Portable de Marie" not in client.get(reverse("people:network_drive")).content.decode()
    app_password.refresh_from_db()
    assert app_password.revoked_at is None
    assert authenticate_app_password("marie.dupont", secret, ip=IP) == agent


def test_app_password_gets_no_oidc_token(client, agent):
    """OIDC has no password grant (RFC 9700): an app password cannot be traded for tokens, and authorising a
    client goes through the web login, which refuses it (test above)."""
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    app = Application.objects.create(
        name="Client de test",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_PASSWORD,
        client_secret="secret-du-client-de-test-0123456789",
        hash_client_secret=False,
        redirect_uris="http://127.0.0.1:9/callback",
    )
    _app_password, secret = create_app_password(agent, "PC")
    response = client.post(
        "/o/token/",
        {
            "grant_type": "password",
            "username": "marie.dupont",
            "password": secret,
            "client_id": app.client_id,
            "client_secret": "secret-du-client-de-test-0123456789",
            "scope": "openid",
        },
    )
    assert response.status_code == 400 and "access_token" not in response.json()
    authorize = client.get(
        "/o/authorize/",
        {"response_type": "code", "client_id": app.client_id, "redirect_uri": "http://127.0.0.1:9/callback"},
    )
    assert authorize.status_code == 302 and authorize["Location"].startswith("/connexion/")


def test_it_revokes_from_the_django_admin(client, agent, make_user):
    app_password, secret = create_app_password(agent, "PC volé")
    it = make_user("admin.si", superuser=True)
    client.force_login(it)
    changelist = reverse("admin:people_apppassword_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "PC volé" in page.content.decode()
    assert secret not in page.content.decode()
    response = client.post(changelist, {"action": "revoke", "_selected_action": [app_password.pk]})
    assert response.status_code == 302
    app_password.refresh_from_db()
    assert app_password.revoked_at is not None
    assert authenticate_app_password("marie.dupont", secret, ip=IP) is None
    event = AccessEvent.objects.get(action="app_password.revoke")
    assert event.actor == it and event.object_id == str(app_password.pk)


@pytest.mark.parametrize(
    ("username", "secret"),
    [
        ("marie\x00.dupont", "x"),
        ("marie.dupont\ud800", "x"),
        ("m" * 5000, "x"),
        ("marie.dupont", "\ud800" * 29),
        ("marie.dupont", "\x00" * 29),
        ("marie.dupont", "é" * 29),
        ("", ""),
    ],
)
def test_hostile_credentials_are_refused_without_error(agent, username, secret):
    _app_password, good = create_app_password(agent, "PC")
    assert authenticate_app_password(username, secret, ip="not an address\x00") is None
    assert authenticate_app_password("marie.dupont", good, ip=IP) == agent
