"""`ged_import --resume` after a `kill -9` mid-import: the command runs as a real process, is killed once it
has imported a few files, then is run again with --resume; every file is imported exactly once (one document,
one version, its text extracted), nothing is partial, and the report says what the resumed run skipped."""

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from ged.models import Document, Version

from .test_crash_mid_upload import _database_url

FILES = 16  # each import extracts its text in a bounded subprocess: keep the run short


def _share(root: Path) -> dict[str, bytes]:
    """A small file share: two levels of folders, distinct contents (no blob shared between files)."""
    files = {}
    for i in range(FILES):
        rel = Path(f"Service {i % 3}") / f"Année {2020 + i % 4}" / f"Note {i:03}.txt"
        data = f"Note numéro {i} du partage, contenu unique {i * 7919}.\n".encode() * 50
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        files[rel.as_posix()] = data
    return files


@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="the import process needs a database it can share (the SQLite test database is in memory)",
)
@pytest.mark.django_db(transaction=True)
def test_resume_after_kill_9_imports_every_file_exactly_once(space, settings, tmp_path):
    source = tmp_path / "partage"
    files = _share(source)
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="intranet.settings.test",
        DATABASE_URL=_database_url(),
        GED_STORAGE_ROOT=settings.GED_STORAGE_ROOT,
        GED_STORAGE_ALIAS="",
        PYTHONUNBUFFERED="1",
    )
    first_report = tmp_path / "premier.csv"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "ged_import", str(source), "--space", space.slug, "-v", "2"]
        + ["--report", str(first_report)],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    imported_lines = 0
    deadline = time.monotonic() + 120
    try:
        while imported_lines < 4:
            line = process.stdout.readline().decode()
            assert line, "the import ended or failed before it could be interrupted"
            assert time.monotonic() < deadline, "the import is too slow to be interrupted"
            imported_lines += line.startswith("importé : ")
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()

    before = Document.objects.filter(space=space).count()
    assert 4 <= before < FILES, f"the kill came too late to test anything ({before} of {FILES} imported)"
    # Whatever the kill interrupted, nothing is partial: each stored document has its one version.
    assert not Document.objects.filter(space=space, current_version__isnull=True).exists()

    report = tmp_path / "reprise.csv"
    call_command(
        "ged_import",
        str(source),
        space=space.slug,
        resume=True,
        report=str(report),
        stdout=io.StringIO(),
    )

    documents = Document.objects.filter(space=space)
    assert documents.count() == FILES
    assert Version.objects.filter(document__space=space).count() == FILES
    keys = {d.import_key.split(":", 1)[1]: d for d in documents.select_related("current_version")}
    assert set(keys) == set(files)
    for rel, document in keys.items():
        assert document.title == Path(rel).name
        assert document.current_version.number == 1 and document.current_version.size == len(files[rel])
        assert document.text_version == 1, f"{rel}: text not extracted"
    with open(report, encoding="utf-8") as fh:
        statuses = [row[0] for row in csv.reader(fh)][1:]
    assert statuses.count("déjà importé") == before
    assert statuses.count("importé") == FILES - before

    # Control: a third run (plain, not --resume) finds everything in place and imports nothing.
    call_command(
        "ged_import",
        str(source),
        space=space.slug,
        report=str(tmp_path / "3.csv"),
        stdout=io.StringIO(),
    )
    assert Version.objects.filter(document__space=space).count() == FILES
