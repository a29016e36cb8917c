"""/api/v1/chat/: salons with unread counts, a salon's messages (list, post); non-members get 404."""

import pytest

from chat.actions import message_post
from chat.models import Message
from intranet.people.actions import api_token_create

pytestmark = pytest.mark.django_db


def _bearer(user):
    _token, secret = api_token_create(user=user, name="script")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_salons_with_unread_counts(client, agent, colleague, project_salon):
    message_post(salon=project_salon, author=colleague, text="Un")
    message_post(salon=project_salon, author=colleague, text="Deux")
    headers = _bearer(agent)
    response = client.get("/api/v1/chat/salons", **headers)
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": project_salon.pk,
            "name": "Projet PLUi",
            "topic": "Plan local d'urbanisme",
            "kind": "project",
            "archived": False,
            "unread": 2,
            "unread_more": False,
            "role": "moderator",
        }
    ]


def test_messages_list_and_post_with_a_token(client, agent, colleague, project_salon):
    message_post(salon=project_salon, author=colleague, text="**Bonjour**")
    headers = _bearer(agent)
    url = f"/api/v1/chat/salons/{project_salon.pk}/messages"
    listing = client.get(url, **headers).json()
    assert [m["html"] for m in listing["messages"]] == ["<p><strong>Bonjour</strong></p>"]
    assert listing["has_older"] is False
    created = client.post(url, {"text": "Réponse par script"}, content_type="application/json", **headers)
    assert created.status_code == 201 and created.json()["author"] == "Marie Dupont"
    assert Message.objects.filter(text="Réponse par script", author=agent).exists()


def test_empty_or_oversized_post_is_refused_in_french(client, agent, project_salon):
    headers = _bearer(agent)
    url = f"/api/v1/chat/salons/{project_salon.pk}/messages"
    empty = client.post(url, {"text": " "}, content_type="application/json", **headers)
    assert empty.status_code == 400 and "vide" in empty.json()["detail"]
    long = client.post(url, {"text": "x" * 10_001}, content_type="application/json", **headers)
    assert long.status_code == 400 and "10 000" in long.json()["detail"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_member_gets_404_and_nothing_is_stored(client, outsider, agent, project_salon, method):
    message_post(salon=project_salon, author=agent, text="Confidentiel")
    headers = _bearer(outsider)
    url = f"/api/v1/chat/salons/{project_salon.pk}/messages"
    kwargs = {"data": {"text": "Intrusion"}, "content_type": "application/json"} if method == "post" else {}
    response = getattr(client, method)(url, **kwargs, **headers)
    missing = getattr(client, method)("/api/v1/chat/salons/999999/messages", **kwargs, **headers)
    assert response.status_code == missing.status_code == 404 and response.json() == missing.json()
    assert "Confidentiel" not in response.content.decode()
    assert Message.objects.count() == 1
    assert client.get("/api/v1/chat/salons", **headers).json() == []


def test_anonymous_gets_401(client, project_salon):
    assert client.get("/api/v1/chat/salons").status_code == 401
