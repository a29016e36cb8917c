"""`Document.title_key` follows the title on every write path (issue 12 part 10): a bare queryset
`.update(title=…)` and `bulk_update([...], ["title"])` key the new title too (the upload rule and the
partial unique index then see it), a title computed in the database is refused rather than left unkeyed,
and a scan of the code finds no title write that could skip the key."""

import ast
import pathlib

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat

from ged.models import Document
from ged.names import title_key

from .conftest import Named

ROOT = pathlib.Path(__file__).resolve().parents[2]
CODE_DIRS = ("ged", "intranet", "chat", "rooms", "scripts", "bench")


def _upload_json(client, folder, name, data):
    response = client.post(
        f"/documents/dossier/{folder.pk}/deposer/",
        {"files": [Named(data, name)]},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201, response.content
    return response.json()["documents"][0]


@pytest.mark.django_db
def test_a_queryset_update_of_the_title_keys_it_and_the_upload_rule_follows(client, manager, space):
    client.force_login(manager)
    first = _upload_json(client, space.root, "Brouillon.txt", b"un")
    assert Document.objects.filter(pk=first["id"]).update(title="Rapport FINAL.txt") == 1
    document = Document.objects.get(pk=first["id"])
    assert document.title_key == title_key("Rapport FINAL.txt") == "rapport final.txt"
    # The folder's upload rule finds the renamed document under its new name: a new version, not a twin.
    second = _upload_json(client, space.root, "rapport final.TXT", b"deux")
    assert (second["id"], second["version"]) == (first["id"], 2)
    assert not Document.objects.titled("Brouillon.txt").exists()


@pytest.mark.django_db
def test_bulk_update_of_titles_keys_them(manager, space, upload):
    a, _v = upload(space.root, "a.txt", b"a")
    b, _v = upload(space.root, "b.txt", b"b")
    a.title, b.title = "Écart.TXT", "Straße.txt"
    Document.objects.bulk_update([a, b], ["title"])
    keys = dict(Document.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "title_key"))
    assert keys == {a.pk: title_key("écart.txt"), b.pk: "strasse.txt"}


@pytest.mark.django_db
def test_a_title_computed_in_the_database_is_refused(manager, space, upload):
    document, _v = upload(space.root, "a.txt", b"a")
    with pytest.raises(ValueError, match="title_key"):
        Document.objects.filter(pk=document.pk).update(title=Concat(F("title"), Value(" (copie)")))
    assert Document.objects.get(pk=document.pk).title == "a.txt"
    # Passing the key along is the caller's way out.
    Document.objects.filter(pk=document.pk).update(title=Value("B.txt"), title_key="b.txt")
    assert Document.objects.get(pk=document.pk).title_key == "b.txt"


def _title_writes_that_skip_the_key():
    """Calls in the code that write a title without its key where the queryset guard does not run: an
    `.update(title=…)` or `bulk_update(…"title"…)` through `_base_manager` (a plain manager) or a raw SQL
    UPDATE of ged_document's title."""
    found = []
    for directory in CODE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            if "UPDATE ged_document" in source.replace('"', "") and "title_key" not in source:
                found.append(f"{path.relative_to(ROOT)}: raw UPDATE of ged_document")
            for node in ast.walk(ast.parse(source)):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                text = ast.unparse(node)
                keywords = {k.arg for k in node.keywords}
                writes_title = (node.func.attr == "update" and "title" in keywords) or (
                    node.func.attr == "bulk_update" and "'title'" in text
                )
                if writes_title and "title_key" not in text and "_base_manager" in text:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:120]}")
    return found


def test_no_code_writes_a_title_around_the_guard():
    assert _title_writes_that_skip_the_key() == []


def test_the_scan_would_see_one(tmp_path, monkeypatch):
    """The scan is not blind: a base-manager update of the title is reported."""
    bad = tmp_path / "ged" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("Document._base_manager.filter(pk=1).update(title='x')\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    monkeypatch.setattr(__import__(__name__, fromlist=["CODE_DIRS"]), "CODE_DIRS", ("ged",))
    assert [line.split(":")[0] for line in _title_writes_that_skip_the_key()] == ["ged/bad.py"]
