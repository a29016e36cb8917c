"""Versions: immutable, numbered, restored as new versions, deduplicated; stale bases refused; locks."""

import pytest
from django.core.exceptions import ValidationError

from ged import storage
from ged.actions import (
    StaleVersion,
    document_lock,
    document_unlock,
    version_create,
    version_milestone,
    version_restore,
)
from ged.choices import Role
from ged.models import Blob, Version

from .conftest import Named


def test_new_version_keeps_the_old_one(space, upload, manager):
    doc, v1 = upload(space.root, "budget.txt", b"v1")
    v2 = version_create(
        document=doc, uploaded_file_or_path=Named(b"v2", "budget.txt"), author=manager, comment="corrigé"
    )
    doc.refresh_from_db()
    assert (v1.number, v2.number) == (1, 2)
    assert doc.current_version == v2
    v1.refresh_from_db()
    assert v1.size == 2 and v1.blob_id != v2.blob_id
    assert storage.local_path(v1.blob_id).read_bytes() == b"v1"


def test_same_name_upload_becomes_a_new_version_not_an_overwrite(space, upload):
    doc, _ = upload(space.root, "Rapport.txt", b"premier")
    again, v = upload(space.root, "rapport.txt", b"second")
    assert again.pk == doc.pk and v.number == 2
    assert Version.objects.filter(document=doc).count() == 2


def test_restore_creates_a_new_version(space, upload, manager):
    doc, v1 = upload(space.root, "a.txt", b"original")
    version_create(document=doc, uploaded_file_or_path=Named(b"abime", "a.txt"), author=manager)
    v3 = version_restore(version=v1, actor=manager)
    assert v3.number == 3 and v3.blob_id == v1.blob_id and v3.restored_from == 1
    assert Version.objects.filter(document=doc).count() == 3


def test_stale_base_version_is_refused(space, upload, manager):
    doc, _ = upload(space.root, "a.txt", b"1")
    version_create(document=doc, uploaded_file_or_path=Named(b"2", "a.txt"), author=manager, base_version=1)
    with pytest.raises(StaleVersion) as exc:
        version_create(
            document=doc, uploaded_file_or_path=Named(b"3", "a.txt"), author=manager, base_version=1
        )
    assert exc.value.current == 2
    assert Version.objects.filter(document=doc).count() == 2
    assert storage.tmp_dir().exists() and not list(storage.tmp_dir().iterdir())


def test_stale_base_over_http_gets_409_and_api_if_match_412(client, space, upload, manager):
    doc, _ = upload(space.root, "a.txt", b"1")
    version_create(document=doc, uploaded_file_or_path=Named(b"2", "a.txt"), author=manager)
    client.force_login(manager)
    url = f"/documents/document/{doc.pk}/nouvelle-version/"
    stale = client.post(url, {"file": Named(b"3", "a.txt"), "base_version": 1})
    assert stale.status_code == 409
    assert "a changé" in stale.content.decode()
    api = f"/api/v1/ged/documents/{doc.pk}/versions"
    assert client.post(api, {"file": Named(b"3", "a.txt"), "base_version": 1}).status_code == 409
    assert client.post(api, {"file": Named(b"3", "a.txt")}, headers={"If-Match": '"1"'}).status_code == 412
    ok = client.post(url, {"file": Named(b"3", "a.txt"), "base_version": 2})
    assert ok.status_code == 302
    assert Version.objects.filter(document=doc).count() == 3


def test_identical_content_is_stored_once(space, upload, subfolder):
    other = subfolder(space.root, "Copie")
    _d1, v1 = upload(space.root, "a.txt", b"meme contenu")
    _d2, v2 = upload(other, "b.txt", b"meme contenu")
    assert v1.blob_id == v2.blob_id
    assert Blob.objects.count() == 1
    assert len(storage.blob_list()) == 1


def test_milestone_names_a_version_without_changing_it(space, upload, manager):
    doc, v1 = upload(space.root, "a.txt", b"x")
    version_milestone(version=v1, label="  Version   validée ", actor=manager)
    v1.refresh_from_db()
    assert v1.milestone == "Version validée" and v1.size == 1


def test_lock_blocks_others_and_tells_who(space, upload, manager, agent, grant):
    doc, _ = upload(space.root, "a.txt", b"x")
    grant(space.root, Role.EDITOR, user=agent)
    document_lock(document=doc, actor=manager)
    with pytest.raises(ValidationError) as exc:
        version_create(document=doc, uploaded_file_or_path=Named(b"y", "a.txt"), author=agent)
    assert "réservé par Gaëlle Gestion" in exc.value.messages[0]
    version_create(document=doc, uploaded_file_or_path=Named(b"z", "a.txt"), author=manager)
    document_unlock(document=doc, actor=manager)
    assert version_create(document=doc, uploaded_file_or_path=Named(b"y", "a.txt"), author=agent).number == 3


def test_locked_document_page_says_who_and_until_when(client, space, upload, manager, agent, grant):
    doc, _ = upload(space.root, "a.txt", b"x")
    grant(space.root, Role.EDITOR, user=agent)
    document_lock(document=doc, actor=manager)
    client.force_login(agent)
    page = client.get(f"/documents/document/{doc.pk}/").content.decode()
    assert "Réservé par Gaëlle Gestion jusqu" in page
    assert "Envoyer la nouvelle version" not in page
    assert (
        client.post(
            f"/documents/document/{doc.pk}/nouvelle-version/", {"file": Named(b"y", "a.txt")}
        ).status_code
        == 404
    )


def test_history_rows_record_renames_moves_trash_and_locks(space, upload, subfolder, manager):
    from ged.actions import document_move, document_restore, document_trash, document_update, folder_rename

    folder = subfolder(space.root, "A")
    doc, _ = upload(space.root, "a.txt", b"x")
    document_update(document=doc, actor=manager, title="b.txt")
    document_move(document=doc, target=folder, actor=manager)
    document_lock(document=doc, actor=manager)
    document_unlock(document=doc, actor=manager)
    document_trash(document=doc, actor=manager)
    document_restore(document=doc, actor=manager)
    folder_rename(folder=folder, name="A2", actor=manager)
    reasons = list(doc.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons == ["create", "update", "move", "lock", "unlock", "trash", "restore"]
    assert folder.history.filter(history_change_reason="rename", name="A2").exists()
    assert space.history.count() >= 1
