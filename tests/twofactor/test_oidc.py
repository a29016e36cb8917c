"""The ID token says how the agent authenticated (amr, acr), and a client may require a second factor."""

import base64
import json

import pytest

from intranet.twofactor.models import GrantAuthentication, RefreshAuthentication
from tests.people.oidc.conftest import CLIENT_SECRET, pkce_pair, query_of
from tests.twofactor.helpers import totp_code, totp_device

pytestmark = pytest.mark.django_db
VERIFY = "/compte/second-facteur/verification/"


def _claims(id_token: str) -> dict:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def strict_app(make_application, settings):
    app = make_application("Paie (exige un second facteur)")
    settings.OIDC_SECOND_FACTOR_CLIENTS = [app.client_id]
    return app


def test_password_only_login_gets_pwd_and_the_single_factor_acr(
    client, agent, password_login, make_application, authorize, exchange
):
    app = make_application()
    password_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(app, challenge)["Location"])["code"]
    claims = _claims(exchange(app, code, verifier).json()["id_token"])
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "https://refeds.org/profile/sfa"


def test_client_requiring_a_second_factor_sends_a_password_only_session_to_verification(
    client,
    agent,
    password_login,
    strict_app,
    authorize,
    exchange,
):
    """No code for the password alone; after the code, the ID token carries otp and mfa."""
    device = totp_device(agent)
    password_login(agent)
    verifier, challenge = pkce_pair()
    refused = authorize(strict_app, challenge)
    assert refused.status_code == 302 and refused["Location"].startswith(VERIFY + "?next=%2Fo%2Fauthorize%2F")
    assert not GrantAuthentication.objects.exists()

    back = client.post(VERIFY, {"code": totp_code(device), "next": query_of(refused["Location"])["next"]})
    assert back["Location"].startswith("/o/authorize/?")
    issued = client.get(back["Location"])
    code = query_of(issued["Location"])["code"]
    token = exchange(strict_app, code, verifier)
    assert token.status_code == 200
    claims = _claims(token.json()["id_token"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == "https://refeds.org/profile/mfa"


def test_client_requiring_a_second_factor_refuses_a_code_issued_without_one(
    client,
    agent,
    password_login,
    make_application,
    authorize,
    exchange,
    settings,
):
    """A code obtained with the password alone (the client was added to the list after) gets no token."""
    app = make_application()
    password_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(app, challenge)["Location"])["code"]
    settings.OIDC_SECOND_FACTOR_CLIENTS = [app.client_id]
    refused = exchange(app, code, verifier)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    settings.OIDC_SECOND_FACTOR_CLIENTS = []
    assert exchange(app, code, verifier).status_code == 200


def _refresh(client, app, refresh_token):
    return client.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": app.client_id,
            "client_secret": CLIENT_SECRET,
        },
    )


def test_a_refresh_returns_an_id_token_with_the_amr_and_acr_of_the_login(
    client, agent, password_login, strict_app, authorize, exchange
):
    """Through two rotations, the refreshed ID token still says how the agent logged in (here: TOTP)."""
    device = totp_device(agent)
    password_login(agent)
    client.post(VERIFY, {"code": totp_code(device), "next": "/"})
    verifier, challenge = pkce_pair()
    code = query_of(authorize(strict_app, challenge)["Location"])["code"]
    tokens = exchange(strict_app, code, verifier).json()
    first = _claims(tokens["id_token"])
    client.logout()
    for _ in range(2):
        refreshed = _refresh(client, strict_app, tokens["refresh_token"])
        assert refreshed.status_code == 200, refreshed.content
        tokens = refreshed.json()
        claims = _claims(tokens["id_token"])
        assert claims["amr"] == ["pwd", "otp", "mfa"]
        assert claims["acr"] == "https://refeds.org/profile/mfa"
        assert claims["sub"] == first["sub"] and claims["aud"] == first["aud"]
    assert RefreshAuthentication.objects.count() == 3


def test_a_refreshed_password_only_login_stays_single_factor(
    client, agent, password_login, make_application, authorize, exchange
):
    app = make_application()
    password_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(app, challenge)["Location"])["code"]
    tokens = exchange(app, code, verifier).json()
    claims = _claims(_refresh(client, app, tokens["refresh_token"]).json()["id_token"])
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "https://refeds.org/profile/sfa"


def test_a_client_requiring_a_second_factor_gets_no_refresh_without_a_recorded_one(
    client, agent, password_login, make_application, authorize, exchange, settings
):
    """A refresh token whose login is unknown (issued before the record existed) or password-only is refused
    to a client that requires a second factor; other clients get an ID token without amr."""
    app = make_application()
    password_login(agent)
    verifier, challenge = pkce_pair()
    code = query_of(authorize(app, challenge)["Location"])["code"]
    tokens = exchange(app, code, verifier).json()
    settings.OIDC_SECOND_FACTOR_CLIENTS = [app.client_id]
    refused = _refresh(client, app, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    settings.OIDC_SECOND_FACTOR_CLIENTS = []
    RefreshAuthentication.objects.all().delete()
    claims = _claims(_refresh(client, app, tokens["refresh_token"]).json()["id_token"])
    assert "amr" not in claims and "acr" not in claims


def test_discovery_announces_amr_acr_and_the_acr_values(client):
    doc = client.get("/o/.well-known/openid-configuration").json()
    assert {"amr", "acr", "auth_time", "sub"} <= set(doc["claims_supported"])
    assert doc["acr_values_supported"] == ["https://refeds.org/profile/sfa", "https://refeds.org/profile/mfa"]
