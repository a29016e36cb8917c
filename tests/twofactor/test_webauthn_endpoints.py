"""The passkey endpoints (django-otp-webauthn's, wrapped): hostile bodies get a French JSON error, never a
500; failures count like wrong codes. The ceremony itself runs in Chromium (tests/browser/)."""

import json

import pytest

from intranet.audit.models import AccessEvent
from tests.twofactor.helpers import totp_code, totp_device

pytestmark = pytest.mark.django_db
BASE = "/compte/second-facteur/cle/"
BODIES = [
    "",
    "{",
    "[]",
    '"x"',
    json.dumps({"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}),
    json.dumps({"id": "%%%", "rawId": None, "response": {"clientDataJSON": 1, "authenticatorData": []}}),
    json.dumps({"a": "\u0000" * 10}),
    "[" * 100_000 + "]" * 100_000,
]


@pytest.fixture
def verified_agent_client(client, agent, password_login):
    totp_device(agent)
    password_login(agent)
    client.post("/compte/second-facteur/verification/", {"code": totp_code(totp_device(agent))})
    return client


@pytest.mark.parametrize("step", ["inscription", "verification"])
@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_hostile_completion_bodies_are_refused_in_french(verified_agent_client, step, body):
    assert (
        verified_agent_client.post(f"{BASE}{step}/debut/", content_type="application/json").status_code == 200
    )
    response = verified_agent_client.post(f"{BASE}{step}/fin/", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    detail = response.json()["detail"]
    assert "clé d'accès" in detail or "Recommencez" in detail or "recommencez" in detail


def test_completion_without_a_started_ceremony_is_refused(verified_agent_client):
    response = verified_agent_client.post(f"{BASE}verification/fin/", "{}", content_type="application/json")
    assert response.status_code == 400 and response.json()["detail"] == "La demande a expiré : recommencez."
    assert AccessEvent.objects.filter(action="twofactor.verify", result="failure").exists()


def test_anonymous_gets_the_login_page(client):
    response = client.post(f"{BASE}verification/debut/", content_type="application/json")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("step", ["inscription", "verification"])
def test_json_nested_100000_deep_is_refused_at_the_start_too(verified_agent_client, step):
    """Found by the route crawler: json.loads raises RecursionError, not the decode error expected."""
    body = "[" * 100_000 + "]" * 100_000
    response = verified_agent_client.post(f"{BASE}{step}/debut/", body, content_type="application/json")
    assert response.status_code == 400 and "clé d'accès" in response.json()["detail"]
