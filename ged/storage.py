"""The blob store: bytes under their sha256, paths generated here only. Django's storage API, so S3 works.

Local layout (GED_STORAGE_ROOT, default MEDIA_ROOT/ged):  blobs/ab/cd/<sha256>   and   tmp/<random>.part
Temp files live on the same filesystem as the blobs, so storing one is an `os.replace`, not a copy.
"""

import contextlib
import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages

_SHA = re.compile(r"^[0-9a-f]{64}$")


def root() -> Path:
    return Path(settings.GED_STORAGE_ROOT or Path(settings.MEDIA_ROOT) / "ged")


def tmp_dir() -> Path:
    path = root() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_temp_file():
    """A named temp file in the store's tmp dir; the caller moves it or deletes it."""
    return tempfile.NamedTemporaryFile(dir=tmp_dir(), prefix="up-", suffix=".part", delete=False)


def blob_name(sha256: str) -> str:
    if not _SHA.match(sha256):
        raise ValueError("not a sha256")
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def storage():
    if settings.GED_STORAGE_ALIAS:
        return storages[settings.GED_STORAGE_ALIAS]
    return FileSystemStorage(location=root())


def local_path(sha256: str) -> Path | None:
    """The blob's file on disk when the store is local (streaming and X-Accel-Redirect use it)."""
    store = storage()
    if isinstance(store, FileSystemStorage):
        return Path(store.path(blob_name(sha256)))
    return None


def blob_exists(sha256: str) -> bool:
    return storage().exists(blob_name(sha256))


def blob_put(sha256: str, temp_path: str | os.PathLike) -> None:
    """Move a fully written, hashed temp file into the store (no-op if the blob is already there)."""
    path = local_path(sha256)
    if path is not None:
        if path.exists():
            os.unlink(temp_path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp_path, 0o640)
        os.replace(temp_path, path)
        return
    store = storage()
    name = blob_name(sha256)
    if not store.exists(name):
        try:
            with open(temp_path, "rb") as fh:
                store.save(name, File(fh))
        except BaseException:
            # A save that fails midway (disk full, dropped connection) may leave a truncated object under the
            # blob's name: remove it, or the retry would find the name taken and trust the partial bytes.
            with contextlib.suppress(Exception):
                store.delete(name)
            raise
    os.unlink(temp_path)


def blob_open(sha256: str):
    return storage().open(blob_name(sha256), "rb")


def blob_delete(sha256: str) -> None:
    storage().delete(blob_name(sha256))


def blob_list() -> list[str]:
    """Every sha256 present in the local store (ged_cleanup)."""
    base = root() / "blobs"
    if not base.exists():
        return []
    return [p.name for p in base.glob("*/*/*") if _SHA.match(p.name)]
