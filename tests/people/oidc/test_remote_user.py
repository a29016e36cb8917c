"""REMOTE_USER behind a trusted proxy: only existing, active agents are logged in; off by default."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGE = "people:api_tokens"  # any page that needs a login


@pytest.fixture
def remote_user_on(settings):
    """What REMOTE_USER_ENABLED=true puts in the settings (checked in test_settings_oidc.py)."""
    index = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:index],
        "intranet.people.remote_user.ProxyRemoteUserMiddleware",
        *settings.MIDDLEWARE[index:],
    ]
    backends = list(settings.AUTHENTICATION_BACKENDS)
    backends.insert(-1, "intranet.people.remote_user.ExistingAgentRemoteUserBackend")
    settings.AUTHENTICATION_BACKENDS = backends
    settings.REMOTE_USER_HEADER = "HTTP_X_REMOTE_USER"


def test_header_is_ignored_by_default(client, agent):
    """Off by default: a client sending the header itself gets the login page."""
    response = client.get(reverse(PAGE), HTTP_X_REMOTE_USER="marie.dupont")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("login", ["marie.dupont", "marie.dupont@CCFI.LOCAL", "CCFI\\marie.dupont"])
def test_proxy_authenticated_agent_is_logged_in(remote_user_on, client, agent, login):
    """The login, a Kerberos principal or a Windows DOMAIN\\login all name the agent."""
    response = client.get(reverse(PAGE), HTTP_X_REMOTE_USER=login)
    assert response.status_code == 200
    assert response.wsgi_request.user == agent
    # The session then lives on, even where the proxy sends no header.
    assert client.get(reverse(PAGE)).status_code == 200


def test_unknown_login_creates_no_account(remote_user_on, client, agent):
    response = client.get(reverse(PAGE), HTTP_X_REMOTE_USER="inconnu")
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="inconnu").exists()
    assert client.get(reverse(PAGE), HTTP_X_REMOTE_USER="marie.dupont").status_code == 200


def test_deactivated_agent_is_not_logged_in(remote_user_on, client, make_user):
    make_user("parti", is_active=False)
    response = client.get(reverse(PAGE), HTTP_X_REMOTE_USER="parti")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_header_for_another_agent_replaces_the_session(remote_user_on, client, agent, make_user):
    """A shared PC where the next agent logs in to Windows: the intranet follows the proxy, not the cookie."""
    other = make_user("jean.martin")
    client.get(reverse(PAGE), HTTP_X_REMOTE_USER="marie.dupont")
    response = client.get(reverse(PAGE), HTTP_X_REMOTE_USER="jean.martin")
    assert response.status_code == 200 and response.wsgi_request.user == other


@pytest.mark.django_db(transaction=True)
async def test_proxy_login_works_under_asgi(remote_user_on, async_client, agent):
    """Production serves ASGI: the header means the same there (Django's async path reads another key)."""
    response = await async_client.get(reverse(PAGE), headers={"X-Remote-User": "marie.dupont"})
    assert response.status_code == 200
    refused = await async_client.get(reverse(PAGE), headers={"X-Remote-User": "inconnu"})
    assert refused.status_code == 302


def test_header_is_believed_only_from_a_trusted_proxy(remote_user_on, settings, client, agent):
    """REMOTE_ADDR decides: the same header from another address is ignored (the login page, no session)."""
    settings.TRUSTED_PROXY_IPS = ["10.0.0.0/24"]
    response = client.get(reverse(PAGE), HTTP_X_REMOTE_USER="marie.dupont")  # from 127.0.0.1
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert "_auth_user_id" not in client.session
    response = client.get(reverse(PAGE), HTTP_X_REMOTE_USER="marie.dupont", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 200 and response.wsgi_request.user == agent


def test_backend_refuses_a_request_from_elsewhere(settings, rf, agent):
    from intranet.people.remote_user import ExistingAgentRemoteUserBackend

    settings.TRUSTED_PROXY_IPS = ["192.0.2.10"]
    backend = ExistingAgentRemoteUserBackend()
    assert backend.authenticate(rf.get("/", REMOTE_ADDR="192.0.2.11"), remote_user="marie.dupont") is None
    assert backend.authenticate(rf.get("/", REMOTE_ADDR="192.0.2.10"), remote_user="marie.dupont") == agent
