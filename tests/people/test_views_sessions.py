"""« Mes appareils et sessions »: the agent's sessions and tokens, closing one session, « Se déconnecter
partout »; another agent's session is out of reach."""

import pytest
from django.test import Client

from intranet.audit.models import AccessEvent
from intranet.people.actions import api_token_create
from intranet.people.models import UserSession

pytestmark = pytest.mark.django_db

CREDENTIALS = {"username": "marie.dupont", "password": "pw-test-123456"}


def _device(agent_name="Firefox sur le poste de l'accueil"):
    client = Client(HTTP_USER_AGENT=agent_name)
    assert client.post("/connexion/", CREDENTIALS).status_code == 302
    return client


def test_lists_sessions_and_tokens_and_closes_another_device(agent):
    laptop, phone = _device("Firefox portable"), _device("Safari téléphone")
    api_token_create(user=agent, name="script export")
    page = laptop.get("/compte/sessions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Firefox portable" in html and "Safari téléphone" in html and "script export" in html
    assert "cet appareil" in html
    phone_row = UserSession.objects.get(user_agent="Safari téléphone")
    response = laptop.post(f"/compte/sessions/{phone_row.pk}/fermer/")
    assert response.status_code == 302
    assert phone.get("/compte/sessions/").status_code == 302  # back to the login page
    assert laptop.get("/compte/sessions/").status_code == 200
    assert AccessEvent.objects.filter(action="auth.session_end", actor=agent).exists()


def test_logout_everywhere_ends_every_session_this_one_included(agent):
    laptop, phone = _device(), _device()
    response = laptop.post("/compte/sessions/partout/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert laptop.get("/compte/sessions/").status_code == 302
    assert phone.get("/compte/sessions/").status_code == 302
    assert not UserSession.objects.filter(user=agent).exists()
    assert AccessEvent.objects.filter(action="auth.logout_everywhere", actor=agent).exists()


def test_someone_elses_session_is_404(agent, make_user):
    make_user("paul.dewitte")
    paul = Client()
    paul.post("/connexion/", {"username": "paul.dewitte", "password": "pw-test-123456"})
    marie = _device()
    paul_row = UserSession.objects.get(user__username="paul.dewitte")
    assert marie.post(f"/compte/sessions/{paul_row.pk}/fermer/").status_code == 404
    assert paul.get("/compte/sessions/").status_code == 200


def test_password_change_ends_every_session_and_token(agent):
    laptop = _device()
    _token, secret = api_token_create(user=agent, name="script export")
    agent.set_password("un-nouveau-mot-de-passe-2026")
    agent.save()
    assert laptop.get("/compte/sessions/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert AccessEvent.objects.filter(action="user.password_change", object_id=str(agent.pk)).exists()
