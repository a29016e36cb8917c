"""Chat as agents expect: a colleague is found by name (htmx suggestions, or the full name typed), not by
login; `@` completes the salon's members (names served to members only)."""

from django.urls import reverse

from chat.models import Membership, Salon


def test_suggestions_match_every_word_typed_and_skip_self_and_leavers(agent_client, agent, make_user):
    make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    make_user("paula.dupont", first_name="Paula", last_name="Dupont")
    make_user("pierre.parti", first_name="Pierre", last_name="Parti", is_active=False)
    url = reverse("chat:colleagues")
    page = agent_client.get(url, {"username": "pau"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="paul.dewitte"' in page and 'value="paula.dupont"' in page
    assert "Marie Dupont" not in page  # the agent herself
    narrowed = agent_client.get(url, {"username": "paul dup"}).content.decode()
    assert 'value="paula.dupont"' in narrowed and "paul.dewitte" not in narrowed
    assert "pierre.parti" not in agent_client.get(url, {"username": "pierre"}).content.decode()
    assert "Aucun agent" in agent_client.get(url, {"username": "zzzz"}).content.decode()
    assert agent_client.get(url, {"username": "x" * 5000}).status_code == 200


def test_direct_conversation_from_a_full_name_or_a_picked_suggestion(agent_client, agent, make_user):
    paul = make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    jeanne = make_user("jeanne.verstraete", first_name="Jeanne", last_name="Verstraete")
    response = agent_client.post(reverse("chat:direct"), {"username": "  paul   DEWITTE "})
    salon = Salon.objects.get(memberships__user=paul)
    assert response.status_code == 302 and response.url.startswith(reverse("chat:salon", args=[salon.pk]))
    picked = agent_client.post(reverse("chat:direct"), {"username": "Jea", "pick": "jeanne.verstraete"})
    assert picked.status_code == 302 and Salon.objects.filter(memberships__user=jeanne).exists()


def test_moderator_adds_a_member_by_picking_a_suggestion(agent_client, project_salon, outsider):
    url = reverse("chat:members", args=[project_salon.pk])
    response = agent_client.post(url, {"op": "add", "username": "Jean", "pick": outsider.username})
    assert response.status_code == 302
    assert Membership.objects.filter(salon=project_salon, user=outsider).exists()


def test_mention_names_are_the_other_members_and_only_for_members(
    agent_client, client, project_salon, outsider
):
    url = reverse("chat:mentions", args=[project_salon.pk])
    assert agent_client.get(url).json() == {"names": ["Paul Dewitte"]}
    client.force_login(outsider)
    assert client.get(url).status_code == 404
