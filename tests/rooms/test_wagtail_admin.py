"""Sites, rooms and equipment in the Wagtail admin."""

import pytest


@pytest.mark.parametrize("prefix", ["salles", "sites", "equipements"])
def test_admin_lists_and_add_forms(client, world, make_user, prefix):
    admin = make_user("admin.si", superuser=True)
    client.force_login(admin)
    assert client.get(f"/cms/{prefix}/").status_code == 200
    assert client.get(f"/cms/{prefix}/new/").status_code == 200


def test_admin_edits_a_room(client, world, make_user):
    admin = make_user("admin.si", superuser=True)
    client.force_login(admin)
    response = client.get(f"/cms/salles/edit/{world.approval.pk}/")
    assert response.status_code == 200 and "Salle du conseil" in response.content.decode()


def test_agent_cannot_open_the_admin(client, world):
    client.force_login(world.agent)
    assert client.get("/cms/salles/").status_code in (302, 403, 404)
