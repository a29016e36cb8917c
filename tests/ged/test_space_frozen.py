"""A frozen space (a closed project's) is read-only for everyone: abilities, pages and the API refuse every
write whatever the grant (personal manager grant, IT, a document share), and unfreezing gives them back."""

import pytest

from ged.actions import document_share, space_freeze
from ged.choices import Role, ShareRole
from ged.models import Document, Space
from ged.permissions import abilities, access_document, forget_grants
from intranet.audit.models import AccessEvent

from .conftest import Named

pytestmark = pytest.mark.django_db

WRITES = ("upload", "create_folder", "trash", "restore", "share", "purge")


def _fresh(user):
    forget_grants(user)
    return type(user).objects.get(pk=user.pk)


def _space(space):
    return Space.objects.select_related("root").get(pk=space.pk)


@pytest.mark.parametrize("who", ["manager", "editor", "superuser"])
def test_frozen_space_reads_but_writes_nothing_whatever_the_grant(space, manager, make_user, grant, who):
    """A personal manager grant, an editor grant and IT all keep reading a frozen space and lose every write;
    unfreezing restores them (the refusal was for the flag)."""
    user = {
        "manager": manager,
        "editor": make_user("editrice"),
        "superuser": make_user("it.admin", superuser=True),
    }[who]
    if who == "editor":
        grant(space.root, Role.EDITOR, user=user)
    space_freeze(space=space, frozen=True, actor=manager)
    abl = abilities(_fresh(user), _space(space))
    assert abl["read"] and abl["download"]
    assert not any(abl[k] for k in WRITES)
    space_freeze(space=space, frozen=False, actor=manager)
    abl = abilities(_fresh(user), _space(space))
    assert abl["upload"] and abl["create_folder"]


def test_document_share_gives_no_write_in_a_frozen_space(space, manager, make_user, upload):
    """A « peut modifier » share on one document reads it in a frozen space but sends no version."""
    document, _ = upload(space.root, "note.txt", b"Bonjour")
    guest = make_user("invitee")
    document_share(document=document, role=ShareRole.EDITOR, actor=manager, user=guest)
    assert access_document(_fresh(guest), document.pk).abilities["upload_version"]
    space_freeze(space=space, frozen=True, actor=manager)
    access = access_document(_fresh(guest), document.pk)
    assert access.abilities["read"] and not access.abilities["upload_version"]


def test_freeze_is_audited_and_idempotent(space, manager):
    space_freeze(space=space, frozen=True, actor=manager)
    space_freeze(space=space, frozen=True, actor=manager)
    assert AccessEvent.objects.filter(action="ged.space.freeze").count() == 1
    assert _space(space).frozen


def test_api_upload_and_version_refused_in_a_frozen_space(client, space, manager, upload):
    """The API refuses a new document and a new version in a frozen space, and accepts both once unfrozen."""
    document, _ = upload(space.root, "a.txt", b"un")
    space_freeze(space=space, frozen=True, actor=manager)
    client.force_login(manager)
    created = client.post(f"/api/v1/ged/folders/{space.root.pk}/documents", {"file": Named(b"x", "b.txt")})
    assert created.status_code == 404
    version = client.post(f"/api/v1/ged/documents/{document.pk}/versions", {"file": Named(b"v2", "a.txt")})
    assert version.status_code == 404
    assert client.get(f"/api/v1/ged/folders/{space.root.pk}").status_code == 200  # still readable
    assert [s["frozen"] for s in client.get("/api/v1/ged/spaces").json()] == [True]
    assert Document.objects.count() == 1 and document.versions.count() == 1
    space_freeze(space=space, frozen=False, actor=manager)
    created = client.post(f"/api/v1/ged/folders/{space.root.pk}/documents", {"file": Named(b"x", "b.txt")})
    assert created.status_code == 201


def test_pages_refuse_upload_and_say_read_only(client, space, manager, upload):
    document, _ = upload(space.root, "a.txt", b"un")
    space_freeze(space=space, frozen=True, actor=manager)
    client.force_login(manager)
    page = client.get(f"/documents/dossier/{space.root.pk}/?tri=nom")
    assert page.status_code == 200
    assert "lecture seule" in page.content.decode()
    assert client.post(f"/documents/dossier/{space.root.pk}/deposer/", {}).status_code == 404
    assert "lecture seule" in client.get(f"/documents/document/{document.pk}/").content.decode()
    assert client.get("/documents/espace/rh/corbeille/").status_code == 404


def test_upload_session_begun_before_the_freeze_cannot_finish(client, space, manager):
    """A resumable API upload started before the project closed is refused at its finish (rights are read
    again then); nothing is created."""
    client.force_login(manager)
    data = b"Compte rendu\n"
    created = client.post(
        "/api/v1/ged/uploads",
        {"folder": space.root.pk, "filename": "cr.txt", "size": len(data)},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    upload_id = created.json()["id"]
    put = client.put(
        f"/api/v1/ged/uploads/{upload_id}",
        data=data,
        content_type="application/octet-stream",
        headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
    )
    assert put.status_code == 200, put.content
    space_freeze(space=space, frozen=True, actor=manager)
    assert client.post(f"/api/v1/ged/uploads/{upload_id}/finish").status_code == 404
    assert not Document.objects.exists()
