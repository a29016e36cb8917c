"""Element single sign-on end to end: a real Synapse logs agents in through the intranet's real OIDC provider.

A homeserver of its own for this module, whose `oidc_providers` points at `live_server` (the configuration of
docs/sso.md, with `skip_verification` since the live server speaks plain http). Each login is driven the way
Element drives it: the SSO redirect, the intranet's authorize endpoint with the agent's session, Synapse's
callback, its confirmation page, then `m.login.token`. The Matrix id obtained must be the bridge's for that
agent, whichever of Element or the bridge created the account first.
"""

import html
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.test import override_settings

from chat.matrix import MatrixBridge, localpart_for
from chat.models import MatrixAccount

pytestmark = pytest.mark.django_db(transaction=True)

IDP_ID = "intranet"
AUTH_PROVIDER = f"oidc-{IDP_ID}"  # Synapse's name for it, i.e. MATRIX_OIDC_AUTH_PROVIDER
CLIENT_ID = "synapse-element-test"
CLIENT_SECRET = "secret-du-synapse-de-test-0123456789abcdef"
ELEMENT_URL = "http://127.0.0.1:9/element/"  # where Element would wait for the loginToken (never fetched)


@pytest.fixture(scope="module")
def oidc_synapse(live_server):
    """A Synapse whose only SSO provider is the intranet served by `live_server`, for this module."""
    from .synapse import Synapse

    issuer = f"{live_server.url}/o"
    # The issuer (hence every endpoint of the discovery document) is SITE_URL + /o, fixed at start-up: here
    # it must be the live server, for Synapse's start-up discovery as for every test of the module.
    override = override_settings(
        SITE_URL=live_server.url,
        OAUTH2_PROVIDER={**django_settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": issuer},
    )
    server = Synapse(
        extra_config={
            "oidc_providers": [
                {
                    "idp_id": IDP_ID,
                    "idp_name": "Intranet CCFI",
                    "discover": True,
                    "issuer": issuer,
                    "skip_verification": True,  # plain http on loopback; otherwise docs/sso.md verbatim
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "client_auth_method": "client_secret_basic",
                    "pkce_method": "always",
                    "scopes": ["openid", "profile", "email"],
                    "allow_existing_users": True,
                    "user_mapping_provider": {
                        "config": {
                            "subject_claim": "sub",
                            "localpart_template": "{{ user.preferred_username }}",
                            "display_name_template": "{{ user.name }}",
                            "email_template": "{{ user.email }}",
                            "confirm_localpart": False,
                        }
                    },
                }
            ]
        }
    )
    override.enable()
    try:
        server.start()
        server.admin_token = server.register("oidc-admin", "pw-oidc-admin-123", admin=True)["access_token"]
        yield server
    finally:
        server.cleanup()
        override.disable()


@pytest.fixture
def synapse_client(db, oidc_synapse):
    """The intranet's record of that Synapse: a trusted (no consent page) confidential client, as IT registers
    it in « Applications (SSO) ». The database is emptied after each test, so it is registered per test."""
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    return Application.objects.create(
        name="Messagerie (Element)",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"{oidc_synapse.url}/_synapse/client/oidc/callback",
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


@pytest.fixture
def bridge_on(settings, oidc_synapse):
    """The bridge pointed at this homeserver; the agents it provisions are linked to the intranet login."""
    settings.MATRIX_HOMESERVER_URL = oidc_synapse.url
    settings.MATRIX_SERVER_NAME = oidc_synapse.server_name
    settings.MATRIX_REGISTRATION_SHARED_SECRET = oidc_synapse.shared_secret
    settings.MATRIX_ADMIN_TOKEN = ""
    settings.MATRIX_OIDC_AUTH_PROVIDER = AUTH_PROVIDER
    settings.MATRIX_OVERRIDE_RATELIMIT = True
    settings.MATRIX_REQUEST_TIMEOUT = 10
    return oidc_synapse


def _unique(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def _ensure_account(user) -> str:
    async def go():
        async with MatrixBridge() as bridge:
            return (await bridge.ensure_account(user))[0]

    return async_to_sync(go)()


def _session_cookie(client, user) -> str:
    client.force_login(user)
    return (
        f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"
    )


class Element:
    """What Element and the agent's browser do, one HTTP hop at a time (redirects checked, never followed
    blindly). The intranet session cookie goes only to the intranet, Synapse's cookies only to Synapse."""

    def __init__(self, synapse, live_server, intranet_cookie: str):
        self.synapse, self.intranet = synapse, live_server.url
        self.intranet_cookie = intranet_cookie
        self.browser = requests.Session()  # stores Synapse's oidc_session cookies

    def get(self, url: str, **kwargs) -> requests.Response:
        if url.startswith(self.intranet):
            cookie = self.intranet_cookie
        else:
            # Synapse marks its cookies Secure; browsers count loopback as a secure origin, `requests` does
            # not send them over http: hand them over for their path as a browser would.
            path = urlsplit(url).path
            cookie = "; ".join(f"{c.name}={c.value}" for c in self.browser.cookies if path.startswith(c.path))
        headers = {"Cookie": cookie} if cookie else {}
        return self.browser.get(url, headers=headers, allow_redirects=False, timeout=20, **kwargs)

    def sso_until_callback(self) -> requests.Response:
        """Element's « Continuer avec Intranet CCFI » up to the intranet's answer to the authorize request."""
        start = self.get(
            f"{self.synapse.url}/_matrix/client/v3/login/sso/redirect/{AUTH_PROVIDER}",
            params={"redirectUrl": ELEMENT_URL},
        )
        assert start.status_code == 302, start.text
        authorize = start.headers["Location"]
        assert authorize.startswith(f"{self.intranet}/o/authorize/?"), authorize
        return self.get(authorize)

    def login_token(self, callback: str) -> tuple[requests.Response, str | None]:
        """Synapse's callback: it exchanges the code, then sends the browser back to Element with a loginToken
        (after its « Continue to your account » page, as Element's URL is not in its client whitelist)."""
        response = self.get(callback)
        if response.status_code == 302:
            target = response.headers["Location"]
        else:
            link = re.search(r'<a href="([^"]+)" class="primary-button">', response.text)
            target = html.unescape(link.group(1)) if link else ""
        if not target.startswith(ELEMENT_URL):
            return response, None
        return response, parse_qs(urlsplit(target).query).get("loginToken", [None])[0]

    def log_in(self) -> dict:
        """The whole journey for an agent with a valid session; returns Synapse's m.login.token answer."""
        answer = self.sso_until_callback()
        assert answer.status_code == 302, answer.text[:500]
        callback = answer.headers["Location"]
        assert callback.startswith(f"{self.synapse.url}/_synapse/client/oidc/callback?"), callback
        page, token = self.login_token(callback)
        assert token, f"{page.status_code} {re.sub(r'(?s)<style.*?</style>', '', page.text)[:1500]}"
        login = requests.post(
            f"{self.synapse.url}/_matrix/client/v3/login",
            json={"type": "m.login.token", "token": token, "initial_device_display_name": "Element"},
            timeout=20,
        )
        assert login.status_code == 200, login.text
        return login.json()


def _whoami(synapse, access_token: str) -> str:
    response = requests.get(
        f"{synapse.url}/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["user_id"]


def _admin_user(synapse, user_id: str) -> requests.Response:
    return requests.get(
        f"{synapse.url}/_synapse/admin/v2/users/{requests.utils.quote(user_id)}",
        headers={"Authorization": f"Bearer {synapse.admin_token}"},
        timeout=10,
    )


def test_login_page_offers_the_intranet_single_sign_on(oidc_synapse):
    """What Element reads first: an m.login.sso flow naming the intranet provider."""
    flows = requests.get(f"{oidc_synapse.url}/_matrix/client/v3/login", timeout=10).json()["flows"]
    sso = [flow for flow in flows if flow["type"] == "m.login.sso"]
    assert sso, flows
    assert {"id": AUTH_PROVIDER, "name": "Intranet CCFI"}.items() <= sso[0]["identity_providers"][0].items()


@pytest.mark.parametrize("username", ["marie.dupont", "Élodie.Lefèvre", "jean+paie", "_compta"])
def test_agent_logs_in_with_the_intranet_account_and_the_bridge_finds_the_same_user(
    bridge_on, synapse_client, live_server, client, make_user, username
):
    """Element first: Synapse creates the account from the ID token (preferred_username), linked to the
    agent's `sub`; the bridge, provisioning the agent afterwards, lands on that very account."""
    agent = make_user(_unique(username), first_name="Marie", last_name="Dupont")
    expected = f"@{localpart_for(agent.username)}:{bridge_on.server_name}"

    login = Element(bridge_on, live_server, _session_cookie(client, agent)).log_in()

    assert login["user_id"] == expected
    assert _whoami(bridge_on, login["access_token"]) == expected
    account = _admin_user(bridge_on, expected).json()
    assert account["displayname"] == "Marie Dupont"
    assert [(t["medium"], t["address"].casefold()) for t in account["threepids"]] == [
        ("email", agent.email.casefold())  # Synapse stores addresses case-folded
    ]
    assert [(e["auth_provider"], e["external_id"]) for e in account["external_ids"]] == [
        (AUTH_PROVIDER, str(agent.pk))
    ]
    assert _ensure_account(agent) == expected
    assert MatrixAccount.objects.get(user=agent).matrix_user_id == expected


@pytest.mark.parametrize("linked", [True, False], ids=["external-id", "by-localpart"])
def test_agent_provisioned_by_the_bridge_logs_in_to_the_bridge_account(
    bridge_on, synapse_client, live_server, client, make_user, settings, linked
):
    """Bridge first: the puppet exists (with the OIDC external id, or without it: allow_existing_users then
    links it by localpart); the Element login opens that account, no second one; the puppet still works."""
    if not linked:
        settings.MATRIX_OIDC_AUTH_PROVIDER = ""
    agent = make_user(_unique("paul.dewitte"), first_name="Paul", last_name="Dewitte")
    puppet = _ensure_account(agent)
    assert puppet == f"@{localpart_for(agent.username)}:{bridge_on.server_name}"

    login = Element(bridge_on, live_server, _session_cookie(client, agent)).log_in()

    assert login["user_id"] == puppet == MatrixAccount.objects.get(user=agent).matrix_user_id
    account = _admin_user(bridge_on, puppet).json()
    assert [(e["auth_provider"], e["external_id"]) for e in account["external_ids"]] == [
        (AUTH_PROVIDER, str(agent.pk))
    ]
    assert _ensure_account(agent) == puppet  # the bridge's stored token was not disturbed


def test_renamed_agent_still_lands_on_the_bridge_account(
    bridge_on, synapse_client, live_server, client, make_user
):
    """The link is the account number (`sub` = external id), not the login: after a rename in the directory
    the agent keeps the Matrix account the bridge uses for them."""
    agent = make_user(_unique("claire.martin"))
    puppet = _ensure_account(agent)
    agent.username = _unique("claire.durand")
    agent.save(update_fields=["username"])

    login = Element(bridge_on, live_server, _session_cookie(client, agent)).log_in()

    assert login["user_id"] == puppet == MatrixAccount.objects.get(user=agent).matrix_user_id


def test_inactive_agent_cannot_log_in(oidc_synapse, synapse_client, live_server, client, make_user):
    """A deactivated account's session is void: the intranet sends it to the login page, never to Synapse."""
    agent = make_user(_unique("ancien.agent"), is_active=False)
    element = Element(oidc_synapse, live_server, _session_cookie(client, agent))

    answer = element.sso_until_callback()

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/connexion/?next=/o/authorize/")
    assert "code=" not in answer.headers["Location"]
    user_id = f"@{localpart_for(agent.username)}:{oidc_synapse.server_name}"
    assert _admin_user(oidc_synapse, user_id).status_code == 404


def test_agent_deactivated_during_the_login_gets_no_matrix_session(
    oidc_synapse, synapse_client, live_server, client, make_user
):
    """A leaver deactivated between the authorization and Synapse's code exchange: the token endpoint refuses
    the code, so Synapse hands out no loginToken and creates no account."""
    from django.contrib.auth import get_user_model

    agent = make_user(_unique("depart.agent"))
    element = Element(oidc_synapse, live_server, _session_cookie(client, agent))
    answer = element.sso_until_callback()
    assert answer.status_code == 302
    callback = answer.headers["Location"]
    assert callback.startswith(f"{oidc_synapse.url}/_synapse/client/oidc/callback?") and "code=" in callback

    get_user_model().objects.filter(pk=agent.pk).update(is_active=False)
    page, token = element.login_token(callback)

    assert token is None
    assert page.status_code >= 400, page.text[:500]
    user_id = f"@{localpart_for(agent.username)}:{oidc_synapse.server_name}"
    assert _admin_user(oidc_synapse, user_id).status_code == 404
