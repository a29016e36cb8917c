"""OpenID Connect fixtures: a registered client and the PKCE pair, as a relying party (Synapse) holds them."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest

REDIRECT_URI = "http://127.0.0.1:9/callback"
CLIENT_SECRET = "secret-de-test-du-client-synapse-0123456789"


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) as RFC 7636 §4.1-4.2 builds them."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def make_application(db):
    from oauth2_provider.models import get_application_model

    Application = get_application_model()

    def factory(name="Messagerie (Element)", *, trusted=True, **fields):
        return Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=REDIRECT_URI,
            client_secret=CLIENT_SECRET,
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=trusted,
            **fields,
        )

    return factory


@pytest.fixture
def oidc_app(make_application):
    return make_application()


@pytest.fixture
def authorize(client):
    """GET /o/authorize/ as the logged-in client; returns the response (a redirect for trusted clients)."""

    def do_authorize(app, challenge, *, scope="openid profile email groups", method="S256", **extra):
        params = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": "etat-123",
            "nonce": "nonce-456",
            "code_challenge": challenge,
            "code_challenge_method": method,
            **extra,
        }
        return client.get("/o/authorize/", {k: v for k, v in params.items() if v is not None})

    return do_authorize


@pytest.fixture
def exchange(client):
    """POST /o/token/ with the client's credentials (client_secret_post)."""

    def do_exchange(app, code, verifier):
        return client.post(
            "/o/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": app.client_id,
                "client_secret": CLIENT_SECRET,
                "code_verifier": verifier,
            },
        )

    return do_exchange


@pytest.fixture
def tokens_for(client, authorize, exchange):
    """Log `user` in, run the whole code flow for `app`, return the token response's JSON."""

    def flow(user, app, *, scope="openid profile email groups"):
        client.force_login(user)
        verifier, challenge = pkce_pair()
        response = authorize(app, challenge, scope=scope)
        assert response.status_code == 302, response.content
        code = query_of(response["Location"])["code"]
        token = exchange(app, code, verifier)
        assert token.status_code == 200, token.content
        client.logout()
        return token.json()

    return flow
