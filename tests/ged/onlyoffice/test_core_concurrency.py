"""R2: concurrent callbacks and manual uploads give contiguous version numbers; none silently lost."""

import threading

import pytest
from django.db import connection, connections

from ged.actions import version_create
from ged.models import Document, EditorKey, OnlineSave, Version
from ged.samples import docx_bytes

from .test_core_flow import _named, open_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_duplicate_concurrent_status_2_makes_one_version(onlyoffice_on, client, oo_docx, oo_editor):
    """The same status 2 twice at once: one version, both answered {"error":0}, the key rotated once."""
    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    onlyoffice_on.edit(key, str(oo_editor.pk))
    results = onlyoffice_on.close(key, str(oo_editor.pk), misbehave="duplicate_concurrent")
    saves = [r for r in results if r.status == 2]
    assert len(saves) == 2 and all(r.ok for r in saves), saves
    assert Version.objects.filter(document=oo_docx).count() == 2
    assert EditorKey.objects.filter(document=oo_docx, retired_at__isnull=False).count() == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_forcesaves_racing_uploads_keep_numbers_contiguous(
    onlyoffice_on, client, oo_docx, oo_editor, manager
):
    """5 force-saves (Save button) race 5 uploads: every accepted save and every upload is one version,
    numbers contiguous; a force-save overtaken by an upload is kept as a conflict version, never merged,
    never refused."""
    _, options = open_page(client, oo_editor, oo_docx)
    key = options["config"]["document"]["key"]
    assert onlyoffice_on.open(options["config"], str(oo_editor.pk)).ok
    barrier = threading.Barrier(10)
    saves, errors = [], []

    def saver(i):
        try:
            barrier.wait()
            onlyoffice_on.edit(key, str(oo_editor.pk), text=f"Sauvegarde {i}")
            saves.append(onlyoffice_on.forcesave(key, str(oo_editor.pk)))
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    def uploader(i):
        try:
            barrier.wait()
            version_create(
                document=Document.objects.get(pk=oo_docx.pk),
                uploaded_file_or_path=_named(docx_bytes([f"Envoi {i}"]), "Rapport annuel.docx"),
                author=manager,
            )
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=saver if i % 2 else uploader, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = sorted(Version.objects.filter(document=oo_docx).values_list("number", flat=True))
    accepted = [r for r in saves if r.ok]
    refused = [r for r in saves if not r.ok]
    assert numbers == list(range(1, len(numbers) + 1))
    online = OnlineSave.objects.filter(version__document=oo_docx).count()
    # An accepted save is a version, or a duplicate of the content the previous save already stored.
    assert online <= len(accepted)
    assert len(numbers) == 1 + 5 + online
    assert not refused and not onlyoffice_on.forgotten  # nothing lost, nothing left with the DS
    document = Document.objects.get(pk=oo_docx.pk)
    assert document.current_version.number == numbers[-1]


def test_vendor_marker():
    assert connection.vendor in {"postgresql", "sqlite"}


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_ten_concurrent_forcesaves_on_one_key(onlyoffice_on, client, oo_docx, oo_editor, oo_coeditor):
    """Ten Save clicks at once by two co-editors: each distinct file is one version, numbers contiguous,
    every callback answered {"error":0} (the same file twice is a duplicate, not a second version)."""
    _, eva = open_page(client, oo_editor, oo_docx)
    _, cedric = open_page(client, oo_coeditor, oo_docx)
    key = eva["config"]["document"]["key"]
    assert onlyoffice_on.open(eva["config"], str(oo_editor.pk)).ok
    assert onlyoffice_on.open(cedric["config"], str(oo_coeditor.pk)).ok
    users = [str(oo_editor.pk), str(oo_coeditor.pk)]
    barrier = threading.Barrier(10)
    saves, errors = [], []

    def saver(i):
        try:
            barrier.wait()
            onlyoffice_on.edit(key, users[i % 2], text=f"Sauvegarde {i}")
            saves.append(onlyoffice_on.forcesave(key, users[i % 2]))
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=saver, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert all(r.ok for r in saves), [r for r in saves if not r.ok]
    sent = {onlyoffice_on.files[r.body["url"].split("/cache/files/")[1]].data for r in saves}
    numbers = sorted(Version.objects.filter(document=oo_docx).values_list("number", flat=True))
    assert numbers == list(range(1, 1 + 1 + len(sent)))
    assert EditorKey.objects.get(key=key).retired_at is None  # status 6 never rotates
