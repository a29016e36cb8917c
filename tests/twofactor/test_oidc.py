"""The ID token says how the agent authenticated (amr, acr), and a client may require a second factor."""

import base64
import json

import pytest

from intranet.twofactor.models import GrantAuthentication
from tests.people.oidc.conftest import pkce_pair, query_of
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
