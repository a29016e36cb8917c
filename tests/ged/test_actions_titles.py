"""The title-collision rule (ged/actions/titles.py) and its partial unique index on (folder, title_key): one
live document per name in a folder, names compared NFC + casefold, the same on SQLite and PostgreSQL. Every
write follows it: an upload becomes a new version, a rename or move is refused in French, a restore takes a
suffix; a write racing past the check meets the index and gets the same answer, never a 500."""

import threading
import time

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from ged import actions
from ged.actions import versions
from ged.actions.titles import free_title, title_guard, with_suffix
from ged.models import Document
from ged.names import title_key

from .conftest import Named

ON_POSTGRES = "postgresql" in django_settings.DATABASES["default"]["ENGINE"]


def _live_titles(folder):
    return sorted(Document.objects.live().filter(folder=folder).values_list("title", flat=True))


def test_title_key_folds_case_and_unicode_form():
    """« Note.TXT » and « note.txt » share a key; a decomposed « é » meets a composed one; « ß » is ss."""
    assert title_key("Note.TXT") == title_key("note.txt") == "note.txt"
    assert title_key("Re\u0301union.docx") == title_key("RÉUNION.docx")
    assert title_key("Straße.odt") == title_key("STRASSE.odt")
    assert title_key("Note.txt") != title_key("Notes.txt")


@pytest.mark.django_db
def test_second_upload_of_a_case_variant_becomes_a_new_version(client, manager, space):
    """Uploading « Note.txt » then « note.TXT » in one folder: one document, version 2 (the upload rule)."""
    client.force_login(manager)
    url = f"/documents/dossier/{space.root_id}/deposer/"
    first = client.post(url, {"files": [Named(b"un", "Note.txt")]}, headers={"Accept": "application/json"})
    assert first.status_code == 201, first.content
    second = client.post(url, {"files": [Named(b"deux", "note.TXT")]}, headers={"Accept": "application/json"})
    assert second.status_code == 201, second.content
    [row] = second.json()["documents"]
    assert row["id"] == first.json()["documents"][0]["id"] and row["version"] == 2
    assert _live_titles(space.root) == ["Note.txt"]
    # Control: another name is another document.
    third = client.post(
        url, {"files": [Named(b"trois", "Notes.txt")]}, headers={"Accept": "application/json"}
    )
    assert third.json()["documents"][0]["version"] == 1
    assert _live_titles(space.root) == ["Note.txt", "Notes.txt"]


@pytest.mark.django_db
def test_rename_to_a_case_variant_of_a_sibling_is_refused_in_french(client, manager, space, upload):
    upload(space.root, "Compte rendu.txt")
    doc, _v = upload(space.root, "Brouillon.txt")
    client.force_login(manager)
    url = f"/documents/document/{doc.pk}/modifier/"
    response = client.post(url, {"title": "COMPTE RENDU.txt", "description": "", "tags": ""})
    assert response.status_code == 400
    assert "Un document « COMPTE RENDU.txt » existe déjà dans ce dossier" in response.content.decode()
    doc.refresh_from_db()
    assert doc.title == "Brouillon.txt"
    # Control: the same document may change the case of its own name, and another free name is taken.
    assert client.post(url, {"title": "BROUILLON.txt", "description": "", "tags": ""}).status_code == 302
    assert client.post(url, {"title": "Compte rendu 2.txt", "description": "", "tags": ""}).status_code == 302
    assert _live_titles(space.root) == ["Compte rendu 2.txt", "Compte rendu.txt"]


@pytest.mark.django_db
def test_move_onto_a_namesake_is_refused_in_french(client, manager, space, upload, subfolder):
    target = subfolder(space.root, "Archives")
    upload(target, "BUDGET.csv", b"ancien")
    doc, _v = upload(space.root, "budget.csv", b"nouveau")
    client.force_login(manager)
    url = f"/documents/document/{doc.pk}/deplacer/"
    response = client.post(url, {"target": target.pk})
    assert response.status_code == 400
    assert "existe déjà dans la destination" in response.content.decode()
    assert Document.objects.get(pk=doc.pk).folder_id == space.root_id
    # Control: once the namesake is trashed, the move goes through.
    actions.document_trash(document=Document.objects.get(folder=target), actor=manager)
    assert client.post(url, {"target": target.pk}).status_code == 302
    assert Document.objects.get(pk=doc.pk).folder_id == target.pk


@pytest.mark.django_db
def test_restore_beside_namesakes_takes_a_free_suffixed_name(client, manager, space, upload):
    """Two trashed « Note.txt » restored while a live « NOTE.txt » exists: each gets its own suffix."""
    first, _v = upload(space.root, "Note.txt", b"1")
    actions.document_trash(document=first, actor=manager)
    second, _v = upload(space.root, "note.txt", b"2")
    actions.document_trash(document=second, actor=manager)
    upload(space.root, "NOTE.txt", b"3")
    client.force_login(manager)
    for doc in (first, second):
        response = client.post(f"/documents/document/{doc.pk}/restaurer/")
        assert response.status_code == 302
    titles = _live_titles(space.root)
    assert len(titles) == 3 and len({title_key(t) for t in titles}) == 3
    restored = [t for t in titles if "restauré" in t]
    assert len(restored) == 2 and all(
        t.startswith("Note (restauré ") or t.startswith("note (") for t in restored
    )
    assert all(t.endswith(".txt") for t in restored)


def test_with_suffix_goes_before_the_extension():
    assert with_suffix("Note.txt", "2") == "Note (2).txt"
    assert with_suffix("Lisez-moi", "2") == "Lisez-moi (2)"
    assert with_suffix(".profil", "2") == ".profil (2)"


@pytest.mark.django_db
def test_free_title_counts_past_taken_suffixes(space, upload):
    upload(space.root, "Note.txt")
    upload(space.root, "Note (copie).txt")
    assert free_title(space.root_id, "Plan.txt", label="copie") == "Plan.txt"
    assert free_title(space.root_id, "note.TXT", label="copie") == "note (copie 2).TXT"


@pytest.mark.django_db
def test_the_database_holds_the_rule_for_live_documents_only(space, upload, manager):
    """The partial unique index: a second live « NOTE.txt » is refused by the database itself; a trashed
    namesake is not counted; title_guard turns the refusal into the French message."""
    doc, _v = upload(space.root, "Note.txt")
    clone = Document(title="NOTE.txt", folder=space.root, space=space)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    with pytest.raises(ValidationError) as refused, title_guard("NOTE.txt"):
        Document(title="NOTE.txt", folder=space.root, space=space).save()
    assert "existe déjà dans ce dossier" in refused.value.messages[0]
    actions.document_trash(document=doc, actor=manager)
    Document(title="NOTE.txt", folder=space.root, space=space).save()  # the trashed one does not count
    assert _live_titles(space.root) == ["NOTE.txt"]


@pytest.mark.django_db
def test_a_document_insert_losing_the_race_becomes_the_winners_version(space, upload, manager):
    """The fallback behind document_upload's check: the insert meets the index and hands back the
    namesake, so the racing upload is stored as its next version (what it would have been a moment later)."""
    winner, _v = upload(space.root, "Planning.txt")
    got = versions._document_create(
        folder=space.root, title="PLANNING.txt", author=manager, created_at=None, import_key=None
    )
    assert got.pk == winner.pk
    assert Document.objects.filter(folder=space.root).count() == 1


@pytest.mark.django_db
def test_bulk_created_documents_get_their_key(space):
    docs = Document.objects.bulk_create(
        [Document(title=f"Pièce {i}.PDF", folder=space.root, space=space) for i in range(3)]
    )
    assert [d.title_key for d in docs] == [f"pièce {i}.pdf" for i in range(3)]
    assert set(Document.objects.filter(folder=space.root).values_list("title_key", flat=True)) == {
        f"pièce {i}.pdf" for i in range(3)
    }


# --- PostgreSQL: real concurrent transactions -------------------------------------------------------------


def _wait_for_lock_wait(pid: int, timeout: float = 10.0) -> None:
    """Until the backend `pid` waits on a lock (the unique index held by the other, uncommitted insert)."""
    deadline = time.monotonic() + timeout
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited on the first one's insert")


def _racing(first, second):
    """Run `first` in a transaction held open until `second` (another thread, its own connection) is blocked
    by it in the database, then commit; return both outcomes. Deterministic: the second always passes the
    check (it cannot see the uncommitted row) and meets the index."""
    outcome, ready, pid = {}, threading.Event(), {}

    def run_second():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid["second"] = cursor.fetchone()[0]
            ready.set()
            outcome["second"] = second()
        except Exception as exc:  # noqa: BLE001 - the test asserts on it
            outcome["second"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        outcome["first"] = first()
        thread = threading.Thread(target=run_second)
        thread.start()
        assert ready.wait(10)
        _wait_for_lock_wait(pid["second"])
    thread.join(20)
    assert not thread.is_alive()
    return outcome


@pytest.mark.skipif(
    not ON_POSTGRES, reason="two writers at once need PostgreSQL (SQLite locks the whole file)"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_of_case_variants_make_one_document(
    space, manager, django_capture_on_commit_callbacks
):
    """Two uploads, « Rapport.txt » and « RAPPORT.txt », in two transactions at once: one document with two
    versions, no duplicate, no error."""
    outcome = _racing(
        lambda: actions.document_upload(
            folder=space.root, uploaded_file_or_path=Named(b"premier", "Rapport.txt"), author=manager
        ),
        lambda: actions.document_upload(
            folder=space.root, uploaded_file_or_path=Named(b"second", "RAPPORT.txt"), author=manager
        ),
    )
    first_doc, first_version = outcome["first"]
    assert not isinstance(outcome["second"], Exception), outcome["second"]
    second_doc, second_version = outcome["second"]
    assert second_doc.pk == first_doc.pk
    assert (first_version.number, second_version.number) == (1, 2)
    assert _live_titles(space.root) == ["Rapport.txt"]


@pytest.mark.skipif(
    not ON_POSTGRES, reason="two writers at once need PostgreSQL (SQLite locks the whole file)"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_renames_to_one_name_refuse_the_second_in_french(space, manager, upload, client):
    a, _v = upload(space.root, "A.txt", b"a")
    b, _v = upload(space.root, "B.txt", b"b")
    outcome = _racing(
        lambda: actions.document_update(
            document=Document.objects.get(pk=a.pk), actor=manager, title="Final.txt"
        ),
        lambda: actions.document_update(
            document=Document.objects.get(pk=b.pk), actor=manager, title="FINAL.txt"
        ),
    )
    assert isinstance(outcome["second"], ValidationError)
    assert "existe déjà dans ce dossier" in " ".join(outcome["second"].messages)
    assert _live_titles(space.root) == ["B.txt", "Final.txt"]
    # Through the web, the same refusal is a 400 page, not a 500.
    client.force_login(manager)
    response = client.post(
        f"/documents/document/{b.pk}/modifier/", {"title": "final.TXT", "description": "", "tags": ""}
    )
    assert response.status_code == 400
