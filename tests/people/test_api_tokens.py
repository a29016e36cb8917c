"""Personal access tokens: created and revoked by the agent, hashed at rest, accepted by the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from intranet.people.actions import api_token_create
from intranet.people.models import PersonalToken

pytestmark = pytest.mark.django_db


def test_token_is_shown_once_and_stored_hashed(agent_client, agent):
    response = agent_client.post(reverse("people:api_tokens"), {"name": "export annuaire", "days": "90"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("ccfi_")
    token = PersonalToken.objects.get(user=agent)
    assert token.token_hash == PersonalToken.hash(secret) and secret not in token.token_hash
    assert secret not in agent_client.get(reverse("people:api_tokens")).content.decode()


def test_token_without_name_gets_french_error(agent_client, agent):
    response = agent_client.post(reverse("people:api_tokens"), {"name": "", "days": "90"})
    assert response.status_code == 400
    assert "Champ requis" in response.content.decode()
    assert not PersonalToken.objects.exists()


def test_api_me_with_token(client, agent, host_org):
    agent.employer = host_org
    agent.save()
    _token, secret = api_token_create(user=agent, name="script")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "marie.dupont" and body["employer"]["name"].startswith("Communauté")


def test_api_me_with_session(agent_client):
    response = agent_client.get("/api/v1/me")
    assert response.status_code == 200 and response.json()["username"] == "marie.dupont"


def test_api_without_credentials_answers_401_in_french(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Authentification requise" in response.json()["detail"]


@pytest.mark.parametrize("state", ["revoked", "expired", "inactive_user", "garbage"])
def test_unusable_token_is_refused(client, agent, state):
    token, secret = api_token_create(user=agent, name="script")
    if state == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    elif state == "expired":
        token.expires_at = timezone.now() - timedelta(seconds=1)
        token.save()
    elif state == "inactive_user":
        agent.is_active = False
        agent.save()
    else:
        secret = secret[:-2] + "xx"
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_agent_revokes_own_token_but_not_someone_elses(agent_client, agent, make_user):
    other = make_user("paul.dewitte")
    others_token, _ = api_token_create(user=other, name="à lui")
    response = agent_client.post(reverse("people:api_token_revoke", args=[others_token.pk]))
    assert response.status_code == 404
    others_token.refresh_from_db()
    assert others_token.revoked_at is None

    mine, secret = api_token_create(user=agent, name="à moi")
    response = agent_client.post(reverse("people:api_token_revoke", args=[mine.pk]))
    assert response.status_code == 302
    assert agent_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200  # session
    from django.test import Client

    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_openapi_schema_and_docs(agent):
    from django.test import Client

    client, agent_client = Client(), Client()
    agent_client.force_login(agent)
    assert client.get("/api/v1/openapi.json").status_code == 302  # the schema is for logged-in agents
    schema = agent_client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and "/api/v1/me" in schema.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 302  # docs page for logged-in agents
    docs = agent_client.get("/api/v1/docs")
    assert docs.status_code == 200 and "cdn." not in docs.content.decode()


def test_session_api_write_requires_csrf(agent):
    """Cookie-authenticated API calls are CSRF-checked (ninja APIKeyCookie)."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get("/api/v1/me").status_code == 200
