"""`manage.py ged_export`: a space as a plain directory tree (current versions, dates kept, SHA-256 checked),
a CSV manifest, nothing overwritten, bad input refused in French, a damaged content reported, not copied."""

import csv
import hashlib
import os

import pytest
from django.core.management import CommandError, call_command

from ged import storage
from ged.actions import document_trash, folder_delete, version_create
from intranet.audit.models import AccessEvent

from .conftest import Named

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(space, manager, upload, subfolder):
    """Root: a note; « Dossiers individuels » (restricted) with a file; « Paie » with two versions of a
    payroll table, a trashed document; a deleted folder with a trashed document inside."""
    upload(space.root, name="note.txt", data=b"racine")
    individual = subfolder(space.root, "Dossiers individuels")
    individual.restricted = True
    individual.save()
    upload(individual, name="Dupont.pdf", data=b"%PDF-1.4 dossier")
    paie = subfolder(space.root, "Paie")
    doc, _v1 = upload(paie, name="tableau.csv", data=b"v1")
    version_create(document=doc, uploaded_file_or_path=Named(b"v2;final", "tableau.csv"), author=manager)
    gone, _v = upload(paie, name="brouillon.txt", data=b"jete")
    document_trash(document=gone, actor=manager)
    old = subfolder(space.root, "Ancien")
    lost, _v = upload(old, name="perdu.txt", data=b"perdu")
    document_trash(document=lost, actor=manager)
    folder_delete(folder=old, actor=manager)
    return doc


def test_export_writes_the_tree_of_current_versions_and_a_manifest(filled, space, tmp_path, capsys):
    target = tmp_path / "export-rh"
    call_command("ged_export", space.slug, str(target))
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == ["Dossiers individuels/Dupont.pdf", "Paie/tableau.csv", "note.txt"]
    assert (target / "Paie" / "tableau.csv").read_bytes() == b"v2;final"
    version = filled.current_version
    assert int(os.stat(target / "Paie" / "tableau.csv").st_mtime) == int(version.created_at.timestamp())
    with open(tmp_path / "export-rh-manifeste.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    by_path = {r["chemin"]: r for r in rows}
    assert set(by_path) == set(files)
    row = by_path["Paie/tableau.csv"]
    assert row["version"] == "2" and row["statut"] == "ok" and row["auteur"] == "Gaëlle Gestion"
    assert row["sha256"] == hashlib.sha256(b"v2;final").hexdigest()
    out = capsys.readouterr().out
    assert "3 fichier(s) exporté(s) de « Ressources humaines »" in out and "0 erreur(s)" in out
    event = AccessEvent.objects.get(action="ged.space_export")
    assert event.extra["files"] == 3 and event.object_id == str(space.pk)


def test_nothing_is_overwritten_and_bad_input_is_refused_in_french(filled, space, tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "deja.txt").write_text("là")
    with pytest.raises(CommandError, match="n'est pas un dossier vide : rien n'est écrasé"):
        call_command("ged_export", space.slug, str(target))
    with pytest.raises(CommandError, match="Aucun espace « inconnu »"):
        call_command("ged_export", "inconnu", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="hors du dossier exporté"):
        call_command(
            "ged_export", space.slug, str(tmp_path / "y"), "--manifest", str(tmp_path / "y" / "m.csv")
        )
    assert (target / "deja.txt").read_text() == "là"
    call_command("ged_export", space.slug, str(tmp_path / "z"))
    with pytest.raises(CommandError, match="manifeste .* existe déjà"):
        call_command(
            "ged_export", space.slug, str(tmp_path / "w"), "--manifest", str(tmp_path / "z-manifeste.csv")
        )


def test_a_damaged_content_is_reported_and_not_copied(filled, space, tmp_path):
    """A blob whose bytes no longer match its SHA-256 (disk fault, tampering) is not passed off as it."""
    path = storage.local_path(filled.current_version.blob_id)
    path.write_bytes(b"abime")
    target = tmp_path / "export"
    with pytest.raises(CommandError, match="1 fichier\\(s\\) n'ont pas pu être exportés intacts"):
        call_command("ged_export", space.slug, str(target))
    assert not (target / "Paie" / "tableau.csv").exists()
    assert not list(target.rglob("*.part"))
    with open(tmp_path / "export-manifeste.csv", encoding="utf-8") as fh:
        statuses = {r["chemin"]: r["statut"] for r in csv.DictReader(fh, delimiter=";")}
    assert statuses["Paie/tableau.csv"].startswith("erreur : empreinte SHA-256")
    assert statuses["note.txt"] == "ok"


def test_a_file_never_takes_a_directory_name(space, upload, subfolder, tmp_path):
    """A document titled like a sibling folder is written beside it under « name (2) »."""
    subfolder(space.root, "Notes")
    upload(space.root, name="notes", data=b"x")
    target = tmp_path / "e"
    call_command("ged_export", space.slug, str(target))
    assert (target / "Notes").is_dir() and (target / "notes (2)").read_bytes() == b"x"
