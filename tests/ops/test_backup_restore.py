"""scripts/backup.sh then scripts/restore.sh: dump, wipe, restore into a fresh database and empty directories;
every table's row count and every file's SHA-256 are equal, and a tampered backup is refused."""

import hashlib
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from ..ged.test_crash_mid_upload import _database_url

pytestmark = pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="pg_dump and pg_restore need PostgreSQL",
)

ROOT = Path(__file__).resolve().parents[2]


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _run(script: str, arg: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(ROOT / "scripts" / script), str(arg)], env=env, capture_output=True, text=True, timeout=120
    )


def test_backup_wipe_restore_gives_the_same_rows_and_files(transactional_db, make_user, tmp_path):
    from intranet.outbox.models import OutboxItem

    # Some rows of our own beside the migrations' (Wagtail pages, sites, permissions...).
    for _ in range(3):
        make_user()
    OutboxItem.objects.create(kind="mail.send", queue="default", payload={"to": "agent@ccfi.example"})
    media = tmp_path / "media"
    blobs = {}
    for i in range(5):
        data = os.urandom(1000 + i * 4096)
        sha = hashlib.sha256(data).hexdigest()
        path = media / "ged" / "blobs" / sha[:2] / sha[2:4] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        blobs[sha] = data
    (media / "ged" / "tmp").mkdir()
    (media / "ged" / "tmp" / "half-upload.part").write_bytes(b"partial")  # left out on purpose
    (media / "original_images").mkdir()
    (media / "original_images" / "logo.png").write_bytes(b"\x89PNG fake image bytes")
    source_url = _database_url()
    before_rows = _row_counts(source_url)
    before_files = {k: v for k, v in _hashes(media).items() if not k.startswith("ged/tmp/")}
    assert before_rows["outbox_outboxitem"] == 1 and len(before_files) == 6

    backup = tmp_path / "backup"
    env = dict(os.environ, DATABASE_URL=source_url, MEDIA_ROOT=str(media))
    env.pop("GED_STORAGE_ROOT", None)
    done = _run("backup.sh", backup, env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "db.dump", "media.tar"]

    # Wipe: a fresh, empty database and empty directories.
    restored_db = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    admin_url = source_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{restored_db}"')
    restored_url = source_url.rsplit("/", 1)[0] + "/" + restored_db
    restored_media = tmp_path / "restored-media"
    try:
        env = dict(os.environ, DATABASE_URL=restored_url, MEDIA_ROOT=str(restored_media))
        env.pop("GED_STORAGE_ROOT", None)
        done = _run("restore.sh", backup, env)
        assert done.returncode == 0, done.stderr
        assert _row_counts(restored_url) == before_rows
        assert _hashes(restored_media) == before_files
        for sha, data in blobs.items():
            assert (restored_media / "ged/blobs" / sha[:2] / sha[2:4] / sha).read_bytes() == data

        # Restoring again over the restored database is refused, and nothing changes.
        again = _run("restore.sh", backup, env)
        assert again.returncode == 2 and "empty database" in again.stderr
        assert _row_counts(restored_url) == before_rows
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')


def test_a_tampered_backup_is_refused_before_anything_is_touched(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "db.dump").write_bytes(b"dump")
    (backup / "media.tar").write_bytes(b"tar")
    subprocess.run("sha256sum db.dump media.tar > SHA256SUMS", shell=True, cwd=backup, check=True)  # noqa: S602
    (backup / "media.tar").write_bytes(b"tampered")
    env = dict(os.environ, DATABASE_URL="postgres://nobody@127.0.0.1:1/none", MEDIA_ROOT=str(tmp_path / "m"))
    done = _run("restore.sh", backup, env)
    assert done.returncode == 2 and "checksums" in done.stderr
    assert not (tmp_path / "m").exists()
