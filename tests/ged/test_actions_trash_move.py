"""Trash (soft delete, restore in place or at the root, purge, automatic purge) and move rules."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from ged import storage
from ged.actions import (
    document_move,
    document_purge,
    document_restore,
    document_trash,
    folder_delete,
    folder_move,
    trash_purge_expired,
)
from ged.choices import Role
from ged.models import Blob, Document


def test_trashed_document_is_hidden_and_restored_in_place(client, space, upload, subfolder, manager):
    folder = subfolder(space.root, "A")
    doc, _ = upload(folder, "a.txt")
    document_trash(document=doc, actor=manager)
    client.force_login(manager)
    assert b"a.txt" not in client.get(f"/documents/dossier/{folder.pk}/").content
    assert client.get(f"/documents/document/{doc.pk}/").status_code == 404
    assert b"a.txt" in client.get(f"/documents/espace/{space.slug}/corbeille/").content
    document_restore(document=doc, actor=manager)
    doc.refresh_from_db()
    assert doc.folder == folder and doc.trashed_at is None


def test_restore_goes_to_root_when_the_folder_is_gone(space, upload, subfolder, manager):
    folder = subfolder(space.root, "A")
    doc, _ = upload(folder, "a.txt")
    document_trash(document=doc, actor=manager)
    folder_delete(folder=folder, actor=manager)
    document_restore(document=doc, actor=manager)
    doc.refresh_from_db()
    assert doc.folder == space.root


def test_restore_renames_when_the_name_was_taken(space, upload, manager):
    doc, _ = upload(space.root, "a.txt", b"1")
    document_trash(document=doc, actor=manager)
    upload(space.root, "a.txt", b"2")
    document_restore(document=doc, actor=manager)
    doc.refresh_from_db()
    assert doc.title.startswith("a (restauré ") and doc.title.endswith(".txt")


def test_non_empty_folder_cannot_be_deleted(space, upload, subfolder, manager):
    folder = subfolder(space.root, "A")
    upload(folder, "a.txt")
    with pytest.raises(ValidationError):
        folder_delete(folder=folder, actor=manager)


def test_purge_then_cleanup_removes_the_blob(space, upload, manager):
    doc, v = upload(space.root, "a.txt", b"unique")
    with pytest.raises(ValidationError):
        document_purge(document=doc, actor=manager)
    document_trash(document=doc, actor=manager)
    document_purge(document=doc, actor=manager)
    assert not Document.objects.filter(pk=doc.pk).exists()
    call_command("ged_cleanup", ttl_hours=0)
    assert not Blob.objects.exists() and storage.blob_list() == []


def test_automatic_purge_after_trash_days(space, upload, manager, settings):
    settings.GED_TRASH_DAYS = 30
    old, _ = upload(space.root, "vieux.txt", b"1")
    recent, _ = upload(space.root, "recent.txt", b"2")
    document_trash(document=old, actor=manager)
    document_trash(document=recent, actor=manager)
    Document.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=31))
    assert trash_purge_expired() == 1
    assert list(Document.objects.values_list("title", flat=True)) == ["recent.txt"]


def test_editor_trashes_but_only_manager_purges(client, space, upload, agent, grant):
    doc, _ = upload(space.root, "a.txt")
    grant(space.root, Role.EDITOR, user=agent)
    client.force_login(agent)
    assert client.post(f"/documents/document/{doc.pk}/corbeille/").status_code == 302
    assert client.post(f"/documents/document/{doc.pk}/purger/").status_code == 404
    assert client.post(f"/documents/document/{doc.pk}/restaurer/").status_code == 302


def test_folder_cannot_move_into_itself(space, subfolder, manager):
    a = subfolder(space.root, "A")
    b = subfolder(a, "B")
    with pytest.raises(ValidationError):
        folder_move(folder=a, target=b, actor=manager)
    folder_move(folder=b, target=space.root, actor=manager)
    b.refresh_from_db()
    assert b.depth == 2


def test_move_across_spaces_only_for_manager_of_both(make_space, upload, manager, agent, grant):
    s1, s2 = make_space(), make_space()
    doc, _ = upload(s1.root, "a.txt")
    grant(s1.root, Role.EDITOR, user=agent)
    grant(s2.root, Role.EDITOR, user=agent)
    with pytest.raises(ValidationError):
        document_move(document=doc, target=s2.root, actor=agent)
    document_move(document=doc, target=s2.root, actor=manager)
    doc.refresh_from_db()
    assert doc.space == s2


def test_moving_folder_across_spaces_moves_its_documents(make_space, upload, subfolder, manager):
    s1, s2 = make_space(), make_space()
    folder = subfolder(s1.root, "A")
    inner = subfolder(folder, "B")
    doc, _ = upload(inner, "a.txt")
    folder_move(folder=folder, target=s2.root, actor=manager)
    doc.refresh_from_db()
    inner.refresh_from_db()
    assert doc.space == s2 and inner.space == s2
