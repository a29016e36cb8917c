"""rclone (Debian package) as a real client of the drive: a tree with accented names up, two edits synced as
exactly two new versions, then everything down again with the same bytes."""

import hashlib
import os
import shutil
import subprocess

import pytest

from ged.models import Document, Version
from intranet.people.app_passwords import create_app_password

RCLONE = shutil.which("rclone")

TREE = {
    "Procédure d'accueil.txt": b"Bienvenue a la CCFI.\n",
    "Réunions/Compte-rendu été.txt": b"Ordre du jour : budget.\n",
    "Réunions/Élus/liste.csv": b"nom;commune\nDupont;Bailleul\n",
}


def _rclone(env, *args):
    result = subprocess.run([RCLONE, *args], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _hashes(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def test_rclone_copy_edit_sync_and_back(dav_url, space, manager, tmp_path):
    """Copy up, change two files (their sizes change: plain WebDAV compares sizes), sync: exactly two new
    versions, nothing duplicated, accented names intact; sync down: the same hashes."""
    if RCLONE is None:
        pytest.fail("rclone introuvable : installez le paquet Debian « rclone » (scripts/system-deps.sh).")
    _password, secret = create_app_password(manager, "rclone")
    obscured = subprocess.run([RCLONE, "obscure", secret], capture_output=True, text=True, check=True).stdout
    env = {
        **os.environ,
        "RCLONE_CONFIG_GED_TYPE": "webdav",
        "RCLONE_CONFIG_GED_URL": f"{dav_url}/dav/{space.slug}/",
        "RCLONE_CONFIG_GED_VENDOR": "other",
        "RCLONE_CONFIG_GED_USER": manager.username,
        "RCLONE_CONFIG_GED_PASS": obscured.strip(),
        "RCLONE_CONFIG": str(tmp_path / "absent.conf"),
    }
    src = tmp_path / "source"
    for rel, data in TREE.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)

    _rclone(env, "copy", str(src), "GED:")
    assert sorted(Document.objects.live().values_list("title", flat=True)) == sorted(
        os.path.basename(r) for r in TREE
    )
    assert Version.objects.count() == 3

    (src / "Procédure d'accueil.txt").write_bytes(b"Bienvenue a la CCFI, nouvelle version.\n")
    (src / "Réunions/Élus/liste.csv").write_bytes(b"nom;commune\nDupont;Bailleul\nMartin;Hazebrouck\n")
    _rclone(env, "sync", str(src), "GED:")
    assert Document.objects.live().count() == 3
    assert Version.objects.count() == 5
    edited = Document.objects.live().filter(versions__number=2).values_list("title", flat=True)
    assert sorted(edited) == ["Procédure d'accueil.txt", "liste.csv"]
    assert all(v.author == manager for v in Version.objects.filter(number=2))

    down = tmp_path / "retour"
    _rclone(env, "sync", "GED:", str(down))
    assert _hashes(down) == _hashes(src)
