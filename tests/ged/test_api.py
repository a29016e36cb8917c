"""The GED API: upload, versions with If-Match, grants by managers only, trash round trip."""

from ged.choices import Role
from ged.models import Document

from .conftest import Named


def test_upload_list_and_version_through_the_api(client, space, manager):
    client.force_login(manager)
    created = client.post(
        f"/api/v1/ged/folders/{space.root.pk}/documents", {"file": Named(b"bonjour", "a.txt")}
    )
    assert created.status_code == 201
    doc = created.json()
    assert doc["current_version"] == 1 and doc["abilities"]["share"]
    listing = client.get(f"/api/v1/ged/folders/{space.root.pk}").json()
    assert [d["title"] for d in listing["documents"]] == ["a.txt"] and listing["count"] == 1
    v2 = client.post(
        f"/api/v1/ged/documents/{doc['id']}/versions",
        {"file": Named(b"v2", "a.txt")},
        headers={"If-Match": '"1"'},
    )
    assert v2.status_code == 201 and v2.json()["number"] == 2


def test_api_refuses_hostile_upload_with_french_message(client, space, manager):
    client.force_login(manager)
    response = client.post(
        f"/api/v1/ged/folders/{space.root.pk}/documents", {"file": Named(b"<html></html>", "x.pdf")}
    )
    assert response.status_code == 400
    assert "ne correspond pas" in response.json()["detail"]
    assert not Document.objects.exists()


def test_grants_are_for_managers_only(client, space, manager, agent, grant):
    grant(space.root, Role.EDITOR, user=agent)
    client.force_login(agent)
    assert client.get(f"/api/v1/ged/folders/{space.root.pk}/grants").status_code == 404
    client.force_login(manager)
    added = client.post(
        f"/api/v1/ged/folders/{space.root.pk}/grants",
        {"role": "reader", "user": agent.pk},
        content_type="application/json",
    )
    assert added.status_code == 201
    rows = client.get(f"/api/v1/ged/folders/{space.root.pk}/grants").json()
    assert {"kind": "user", "principal": agent.pk, "role": "reader"} in rows
    assert client.delete(f"/api/v1/ged/folders/{space.root.pk}/grants/user/{agent.pk}").status_code == 204


def test_trash_round_trip(client, space, upload, manager):
    doc, _ = upload(space.root, "a.txt")
    client.force_login(manager)
    assert client.post(f"/api/v1/ged/documents/{doc.pk}/trash").status_code == 204
    listed = client.get(f"/api/v1/ged/spaces/{space.slug}/trash").json()
    assert [d["id"] for d in listed["documents"]] == [doc.pk] and listed["count"] == 1
    assert client.post(f"/api/v1/ged/documents/{doc.pk}/restore").status_code == 200
    assert client.post(f"/api/v1/ged/documents/{doc.pk}/trash").status_code == 204
    assert client.delete(f"/api/v1/ged/documents/{doc.pk}").status_code == 204
    assert not Document.objects.filter(pk=doc.pk).exists()


def test_space_creation_needs_the_permission(client, agent, make_user):
    client.force_login(agent)
    assert client.get("/documents/nouvel-espace/").status_code == 404
    it = make_user("it", superuser=True)
    client.force_login(it)
    response = client.post(
        "/documents/nouvel-espace/", {"name": "Projets", "slug": "projets", "policy": "private"}
    )
    assert response.status_code == 302 and response["Location"] == "/documents/espace/projets/"
