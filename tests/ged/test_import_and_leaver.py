"""`manage.py ged_import` (tree, mtimes, skips, CSV report, idempotent, resumable) and the leaver hook."""

import csv
import io
import os
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from ged.models import Document, Folder, Version


@pytest.fixture
def share(tmp_path):
    root = tmp_path / "partage"
    (root / "Marchés publics" / "2024").mkdir(parents=True)
    (root / "Ressources humaines").mkdir()
    (root / "Marchés publics" / "2024" / "CCTP voirie.txt").write_text(
        "Cahier des clauses techniques", encoding="utf-8"
    )
    (root / "Ressources humaines" / "Organigramme.txt").write_text("DGS, DRH, DST", encoding="utf-8")
    (root / "Ressources humaines" / "copie.txt").write_text("DGS, DRH, DST", encoding="utf-8")
    (root / ".cache").write_text("caché")
    (root / "~$brouillon.docx").write_text("verrou Office")
    (root / "facture\u202efdp.txt").write_text("nom piégé")
    (root / "CON").write_text("nom réservé")
    (root / "vide.txt").write_bytes(b"")
    (root / "gros.txt").write_bytes(b"x" * (2 * 1024 * 1024))
    (root / "faux.docx").write_text("<html>pas un docx</html>")
    outside = tmp_path / "ailleurs.txt"
    outside.write_text("hors du partage")
    os.symlink(outside, root / "lien-externe.txt")
    when = datetime(2019, 5, 17, 8, 30, tzinfo=UTC).timestamp()
    os.utime(root / "Marchés publics" / "2024" / "CCTP voirie.txt", (when, when))
    return root


def _report(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def test_import_keeps_tree_dates_and_reports_skips(share, space, tmp_path, settings):
    settings.GED_MAX_UPLOAD_MB = 1
    report = tmp_path / "rapport.csv"
    call_command(
        "ged_import",
        str(share),
        space=space.slug,
        report=str(report),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    cctp = Document.objects.get(title="CCTP voirie.txt")
    assert [f.name for f in Folder.objects.filter(path__in=[cctp.folder.path[:8], cctp.folder.path])] == [
        "Marchés publics",
        "2024",
    ]
    assert cctp.current_version.created_at == datetime(2019, 5, 17, 8, 30, tzinfo=UTC)
    titles = set(Document.objects.values_list("title", flat=True))
    assert {"facturefdp.txt", "_CON", "Organigramme.txt", "copie.txt"} <= titles
    assert not titles & {
        ".cache",
        "~$brouillon.docx",
        "vide.txt",
        "gros.txt",
        "faux.docx",
        "lien-externe.txt",
    }
    rows = {os.path.basename(r[1]): r for r in _report(report)}
    assert rows["lien-externe.txt"][0] == "ignoré" and "extérieur" in rows["lien-externe.txt"][3]
    assert "trop volumineux" in rows["gros.txt"][3]
    assert "vide" in rows["vide.txt"][3]
    assert rows["CCTP voirie.txt"][0] == "importé"
    # identical files share one blob
    org, copy = Document.objects.get(title="Organigramme.txt"), Document.objects.get(title="copie.txt")
    assert org.current_version.blob_id == copy.current_version.blob_id


def test_rerun_and_resume_import_nothing_twice(share, space, tmp_path):
    devnull = io.StringIO()
    call_command(
        "ged_import",
        str(share),
        space=space.slug,
        dry_run=True,
        report=str(tmp_path / "essai.csv"),
        stdout=devnull,
        stderr=devnull,
    )
    assert not Document.objects.exists()
    # An interrupted first run: only part of the share made it.
    (share / "Ressources humaines" / "Organigramme.txt").rename(tmp_path / "mis-de-cote.txt")
    call_command(
        "ged_import",
        str(share),
        space=space.slug,
        report=str(tmp_path / "1.csv"),
        stdout=devnull,
        stderr=devnull,
    )
    first = Document.objects.count()
    (tmp_path / "mis-de-cote.txt").rename(share / "Ressources humaines" / "Organigramme.txt")
    call_command(
        "ged_import",
        str(share),
        space=space.slug,
        resume=True,
        report=str(tmp_path / "2.csv"),
        stdout=devnull,
        stderr=devnull,
    )
    assert Document.objects.count() == first + 1
    versions = Version.objects.count()
    call_command(
        "ged_import",
        str(share),
        space=space.slug,
        report=str(tmp_path / "3.csv"),
        stdout=devnull,
        stderr=devnull,
    )
    assert Version.objects.count() == versions
    assert all(r[0] in {"déjà présent", "ignoré"} for r in _report(tmp_path / "3.csv"))
    # A file changed on the share since: imported as a new version, the old one kept.
    (share / "Ressources humaines" / "Organigramme.txt").write_text("DGS, DRH, DST, DSI", encoding="utf-8")
    call_command(
        "ged_import",
        str(share),
        space=space.slug,
        report=str(tmp_path / "4.csv"),
        stdout=devnull,
        stderr=devnull,
    )
    assert Document.objects.get(title="Organigramme.txt").versions.count() == 2


def test_leaver_spaces_are_listed_to_department_head(space, manager, make_user, host_org):
    from django.contrib.auth.models import Group

    from intranet.notifications.models import Notification
    from intranet.people.models import Department
    from intranet.people.signals import user_deactivated

    head = make_user("chef", first_name="Chef")
    department = Department.objects.create(
        name="RH", slug="rh", organisation=host_org, group=Group.objects.create(name="RH"), head=head
    )
    manager.department = department
    manager.is_active = False
    manager.save()
    user_deactivated.send(sender=None, user=manager, reason="manual", actor=None)
    note = Notification.objects.get(recipient=head, verb="ged.leaver")
    assert "Ressources humaines" in note.text
