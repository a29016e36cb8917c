"""Chat pages: the list with unread counts, a salon's history and form (no JavaScript needed), management."""

import re

import pytest
from django.urls import reverse

from chat.actions import ensure_open_salons, message_post, salon_create, salon_join
from chat.models import Membership, Message, Salon

pytestmark = pytest.mark.django_db


def _strip_csrf(content: bytes) -> bytes:
    """The page's CSRF token and its own address (the language form's `next`) differ between two 404s."""
    content = re.sub(rb'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+', rb"\1", content)
    return re.sub(rb'name="next" type="hidden" value="[^"]*"', b"", content)


def _salon_url(salon, name="chat:salon", *args):
    return reverse(name, args=[salon.pk, *args])


def test_salon_list_shows_unread_counts(agent_client, agent, colleague, project_salon):
    for i in range(3):
        message_post(salon=project_salon, author=colleague, text=f"Message {i}")
    message_post(salon=project_salon, author=agent, text="Le mien ne compte pas")
    # Reading the last message of the salon moved the marker: post three more from the colleague.
    for i in range(3):
        message_post(salon=project_salon, author=colleague, text=f"Nouveau {i}")
    response = agent_client.get(reverse("chat:index"))
    assert response.status_code == 200
    assert 'data-unread="3"' in response.content.decode()


def test_salon_list_query_count_does_not_grow_with_salons(
    agent_client, agent, colleague, django_assert_num_queries
):
    def build(n):
        for i in range(n):
            salon = salon_create(name=f"Projet {i}", creator=colleague, members=[agent])
            message_post(salon=salon, author=colleague, text="Bonjour")

    build(2)
    ensure_open_salons()
    agent_client.get(reverse("chat:index"))  # warms the cached host name and admin-link permission
    # Chat: memberships with unread counts (one query), joinable open salons (direct partners: none here).
    # Base page: session, user, notifications badge, host name (cached only once a host organisation exists).
    with django_assert_num_queries(6) as small:
        agent_client.get(reverse("chat:index"))
    build(10)
    with django_assert_num_queries(len(small.captured_queries)):
        agent_client.get(reverse("chat:index"))


def test_salon_page_shows_history_and_marks_it_read(agent_client, agent, colleague, project_salon):
    message = message_post(salon=project_salon, author=colleague, text="Compte rendu **validé**")
    response = agent_client.get(_salon_url(project_salon))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>validé</strong>" in body and f'id="m-{message.pk}"' in body
    assert Membership.objects.get(user=agent, salon=project_salon).last_read_id == message.pk


def test_salon_page_query_count_is_constant(
    agent_client, agent, colleague, project_salon, django_assert_num_queries
):
    for i in range(3):
        message_post(salon=project_salon, author=colleague, text=f"M{i}")
    agent_client.get(_salon_url(project_salon))
    # Chat: membership + salon, history page (authors, replies joined), last message id, read-marker update.
    # Base page: session, user, notifications badge (host name and admin link are cached by the first call).
    with django_assert_num_queries(7) as small:
        agent_client.get(_salon_url(project_salon))
    for i in range(30):
        message_post(salon=project_salon, author=agent if i % 2 else colleague, text=f"N{i}")
    with django_assert_num_queries(len(small.captured_queries)):
        agent_client.get(_salon_url(project_salon))


def test_history_is_paginated_upwards(agent_client, agent, project_salon, settings):
    settings.CHAT_PAGE_SIZE = 5
    messages = [
        message_post(salon=project_salon, author=agent, text=f"Message numéro {i}") for i in range(12)
    ]
    body = agent_client.get(_salon_url(project_salon)).content.decode()
    assert "Message numéro 11" in body and "Message numéro 6" not in body
    assert f"?avant={messages[7].pk}" in body
    older = agent_client.get(
        _salon_url(project_salon) + f"?avant={messages[7].pk}", headers={"HX-Request": "true"}
    )
    text = older.content.decode()
    assert "Message numéro 6" in text and "Message numéro 2" in text and "Message numéro 7" not in text
    assert "<html" not in text  # an htmx fragment


def test_form_posts_a_message_without_javascript(agent_client, project_salon):
    response = agent_client.post(_salon_url(project_salon, "chat:post"), {"text": "Envoyé sans JavaScript"})
    message = Message.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"#m-{message.pk}")
    assert message.text == "Envoyé sans JavaScript"


def test_empty_form_is_refused_with_a_french_message(agent_client, project_salon):
    response = agent_client.post(_salon_url(project_salon, "chat:post"), {"text": "  "})
    assert response.status_code == 400
    assert "Le message est vide" in response.content.decode()
    assert not Message.objects.exists()


def test_oversized_form_keeps_the_text(agent_client, project_salon):
    text = "x" * 10_001
    response = agent_client.post(_salon_url(project_salon, "chat:post"), {"text": text})
    assert response.status_code == 400
    assert text in response.content.decode()  # nothing lost
    assert not Message.objects.exists()


def test_reply_from_the_form(agent_client, colleague, project_salon):
    original = message_post(salon=project_salon, author=colleague, text="Qui a la clé ?")
    page = agent_client.get(_salon_url(project_salon) + f"?reponse={original.uuid}").content.decode()
    assert "En réponse à Paul Dewitte" in page
    agent_client.post(_salon_url(project_salon, "chat:post"), {"text": "Moi", "reply_to": str(original.uuid)})
    assert Message.objects.get(text="Moi").reply_to == original


def test_edit_and_delete_own_message_without_javascript(agent_client, agent, project_salon):
    message = message_post(salon=project_salon, author=agent, text="Première version")
    url = _salon_url(project_salon, "chat:message_edit", message.uuid)
    assert agent_client.get(url).status_code == 200
    agent_client.post(url, {"text": "Deuxième version"})
    message.refresh_from_db()
    assert message.text == "Deuxième version" and message.edited_at
    agent_client.post(_salon_url(project_salon, "chat:message_delete", message.uuid))
    message.refresh_from_db()
    assert message.deleted_at is not None


def test_others_message_cannot_be_edited(agent_client, colleague, project_salon):
    message = message_post(salon=project_salon, author=colleague, text="À moi")
    url = _salon_url(project_salon, "chat:message_edit", message.uuid)
    assert agent_client.get(url).status_code == 404
    assert agent_client.post(url, {"text": "Modifié"}).status_code == 404
    message.refresh_from_db()
    assert message.text == "À moi"


@pytest.mark.parametrize(
    ("name", "method", "extra"),
    [
        ("chat:salon", "get", ()),
        ("chat:post", "post", ()),
        ("chat:members", "get", ()),
        ("chat:members", "post", ()),
        ("chat:leave", "post", ()),
        ("chat:join", "post", ()),
        ("chat:message_edit", "get", ("msg",)),
        ("chat:message_edit", "post", ("msg",)),
        ("chat:message_delete", "post", ("msg",)),
    ],
)
def test_non_member_gets_404_on_every_route(client, outsider, agent, project_salon, name, method, extra):
    message = message_post(salon=project_salon, author=agent, text="Secret")
    args = [project_salon.pk] + [message.uuid for _ in extra]
    client.force_login(outsider)
    data = {"text": "Intrusion", "op": "add", "username": "jeanne.verstraete"}
    response = getattr(client, method)(reverse(name, args=args), data if method == "post" else None)
    assert response.status_code == 404
    missing = getattr(client, method)(
        reverse(name, args=[999999] + args[1:]), data if method == "post" else None
    )
    # Missing and forbidden alike (only the page's CSRF token differs).
    assert missing.status_code == 404 and _strip_csrf(missing.content) == _strip_csrf(response.content)
    assert Message.objects.count() == 1 and not Membership.objects.filter(user=outsider).exists()


def test_open_salon_is_joined_from_the_list(agent_client, agent):
    salon = ensure_open_salons()[1]
    page = agent_client.get(reverse("chat:index")).content.decode()
    assert "Covoiturage" in page and reverse("chat:join", args=[salon.pk]) in page
    response = agent_client.post(reverse("chat:join", args=[salon.pk]))
    assert response.status_code == 302 and Membership.objects.filter(user=agent, salon=salon).exists()


def test_agent_creates_a_project_salon(agent_client, agent):
    response = agent_client.post(
        reverse("chat:create"), {"name": "Fibre 2027", "topic": "", "kind": "project"}
    )
    salon = Salon.objects.get(name="Fibre 2027")
    assert response.status_code == 302 and Membership.objects.get(salon=salon).user == agent


def test_direct_conversation_from_a_username(agent_client, colleague):
    response = agent_client.post(reverse("chat:direct"), {"username": "paul.dewitte"})
    salon = Salon.objects.get(kind="direct")
    assert response.url == reverse("chat:salon", args=[salon.pk])
    page = agent_client.get(response.url).content.decode()
    assert "<h1>Paul Dewitte</h1>" in page
    wrong = agent_client.post(reverse("chat:direct"), {"username": "personne"}, follow=True)
    assert "Aucun agent en activité" in wrong.content.decode()


def test_moderator_adds_and_removes_a_member(agent_client, outsider, project_salon):
    url = _salon_url(project_salon, "chat:members")
    agent_client.post(url, {"op": "add", "username": "jeanne.verstraete"})
    assert Membership.objects.filter(salon=project_salon, user=outsider).exists()
    agent_client.post(url, {"op": "remove", "user": outsider.pk})
    assert not Membership.objects.filter(salon=project_salon, user=outsider).exists()


def test_member_cannot_use_moderation(client, colleague, outsider, project_salon):
    client.force_login(colleague)
    url = _salon_url(project_salon, "chat:members")
    assert "Retirer du salon" not in client.get(url).content.decode()
    assert client.post(url, {"op": "add", "username": "jeanne.verstraete"}).status_code == 404
    assert not Membership.objects.filter(user=outsider).exists()


def test_moderator_archives_and_the_salon_becomes_read_only(agent_client, project_salon):
    agent_client.post(_salon_url(project_salon, "chat:members"), {"op": "archive"})
    project_salon.refresh_from_db()
    assert project_salon.archived
    page = agent_client.get(_salon_url(project_salon)).content.decode()
    assert "lecture seule" in page and 'id="composer"' not in page


def test_dashboard_panel_lists_my_salons_with_unread_counts(agent_client, colleague, project_salon):
    message_post(salon=project_salon, author=colleague, text="Hello")
    body = agent_client.get("/").content.decode()
    assert "Mes salons" in body and "Projet PLUi" in body and "1 non lu" in body


def test_profile_section_shows_shared_and_open_salons_only(client, agent, colleague, outsider, project_salon):
    open_salon = ensure_open_salons()[0]
    salon_join(salon=open_salon, user=colleague)
    secret = salon_create(name="Projet confidentiel", creator=colleague)
    client.force_login(agent)
    body = client.get(reverse("directory:profile", args=["paul.dewitte"])).content.decode()
    assert "Projet PLUi" in body and "Entraide informatique" in body and secret.name not in body
    client.force_login(outsider)
    body = client.get(reverse("directory:profile", args=["paul.dewitte"])).content.decode()
    assert "Projet PLUi" not in body and "Entraide informatique" in body


def test_department_link_leads_members_to_their_salon_and_others_to_404(
    client, department, make_user, outsider
):
    from chat.actions import salon_department_sync

    service = department()
    member = make_user("tech.one", department=service)
    salon_department_sync()
    client.force_login(member)
    response = client.get(reverse("chat:department", args=[service.slug]))
    assert response.status_code == 302 and response.url == reverse(
        "chat:salon", args=[Salon.objects.get().pk]
    )
    client.force_login(outsider)
    assert client.get(reverse("chat:department", args=[service.slug])).status_code == 404
    assert client.get(reverse("chat:department", args=["inconnu"])).status_code == 404


def test_department_page_links_its_salon_for_members_and_mentions_it_to_others(department, make_user, client):
    from chat.actions import salon_department_sync
    from chat.choices import SalonKind

    it = department()
    member = make_user("lea.member", department=it)
    other = make_user("marc.other")
    salon_department_sync()
    salon = Salon.objects.get(department=it, kind=SalonKind.DEPARTMENT)
    url = f"/annuaire/services/{it.slug}/"

    client.force_login(member)
    html = client.get(url).content.decode()
    assert 'id="section-chat"' in html
    assert f'href="{reverse("chat:salon", args=[salon.pk])}"' in html

    client.force_login(other)
    html = client.get(url).content.decode()
    assert 'id="section-chat"' in html
    assert "réunit les agents du service" in html
    assert reverse("chat:salon", args=[salon.pk]) not in html
