"""The blob store: bytes under their sha256, paths generated here only. Django's storage API, so S3 works.

Local layout (GED_STORAGE_ROOT, default MEDIA_ROOT/ged):  blobs/ab/cd/<sha256>   and   tmp/<random>.part
Temp files live on the same filesystem as the blobs, so storing one is an `os.replace`, not a copy.

On S3 (S3_BUCKET set, intranet/settings/storage.py) the same names are keys under S3_GED_PREFIX; temp files
stay local. A blob is stored with one HEAD (present with the right size: nothing is sent) then a (multipart)
PUT streamed from the temp file; S3 shows an object only once its upload completed, so a failed upload leaves
nothing under the hash. Reads are streamed (ranged GETs). An outage raises StorageUnavailable.
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
    alias = settings.GED_STORAGE_ALIAS or ("ged" if getattr(settings, "S3_ENABLED", False) else "")
    if alias:
        return storages[alias]
    return FileSystemStorage(location=root())


def _s3(store=None):
    """The store when it is the intranet's S3 storage (intranet.storage.backends), else None. Recognised by
    its verbs, so that boto3 is imported only where S3 is configured (a second at start-up)."""
    store = store if store is not None else storage()
    return store if hasattr(store, "put_file") and hasattr(store, "presigned_get") else None


def local_path(sha256: str) -> Path | None:
    """The blob's file on disk when the store is local (streaming and X-Accel-Redirect use it)."""
    store = storage()
    if isinstance(store, FileSystemStorage):
        return Path(store.path(blob_name(sha256)))
    return None


def blob_exists(sha256: str) -> bool:
    store = storage()
    if s3 := _s3(store):
        return s3.head_size(blob_name(sha256)) is not None
    return store.exists(blob_name(sha256))


def fsync_directory(path: str | os.PathLike) -> None:
    """Make the entries of directory `path` (a file created or renamed into it) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def blob_put(sha256: str, temp_path: str | os.PathLike) -> None:
    """Move a fully written, hashed temp file into the store (no-op if the blob is already there)."""
    store = storage()
    if s3 := _s3(store):
        name = blob_name(sha256)
        # Content-addressed: an object of the right size under the hash is these bytes. A wrong size (a store
        # restored badly) is overwritten.
        if s3.head_size(name) != os.path.getsize(temp_path):
            s3.put_file(name, temp_path, metadata={"sha256": sha256})
        os.unlink(temp_path)
        return
    path = local_path(sha256)
    if path is not None:
        if path.exists():
            os.unlink(temp_path)
            return
        # The rename is durable once its directory is synced, and so is each shard directory made for it
        # once its parent is: sync from the file's directory up to the first one that already existed.
        synced = [path.parent]
        while not synced[-1].is_dir() and synced[-1].parent != synced[-1]:
            synced.append(synced[-1].parent)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(temp_path, 0o640)
        os.replace(temp_path, path)
        for directory in synced:
            fsync_directory(directory)
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
    """The blob's bytes as a file object to read (a streaming body on S3: read(n) fetches as it goes)."""
    store = storage()
    if s3 := _s3(store):
        return s3.open_stream(blob_name(sha256))
    return store.open(blob_name(sha256), "rb")


def blob_read_range(sha256: str, start: int, length: int):
    """A file object positioned on `start` that yields at most `length` bytes (one ranged GET on S3)."""
    store = storage()
    if s3 := _s3(store):
        return s3.open_stream(blob_name(sha256), start, length)
    fh = store.open(blob_name(sha256), "rb")
    fh.seek(start)
    return fh


def blob_presigned_url(sha256: str, *, disposition: str, content_type: str) -> str | None:
    """A short-lived signed GET of the blob on S3 (None for a local store)."""
    if s3 := _s3():
        return s3.presigned_get(blob_name(sha256), disposition=disposition, content_type=content_type)
    return None


def blob_delete(sha256: str) -> None:
    storage().delete(blob_name(sha256))


def blob_list() -> list[str]:
    """Every sha256 present in the store (ged_cleanup)."""
    if s3 := _s3():
        return [name.rsplit("/", 1)[-1] for name, _size, _mtime in s3.iter_objects("blobs/")]
    base = root() / "blobs"
    if not base.exists():
        return []
    return [p.name for p in base.glob("*/*/*") if _SHA.match(p.name)]


def stale_uploads_abort(older_than: float) -> int:
    """S3 multipart uploads of blobs begun before `older_than` (POSIX time) and never completed, aborted
    (their parts are freed); none on local storage, where the .part temp files are swept instead."""
    if s3 := _s3():
        from datetime import UTC, datetime

        return s3.abort_stale_uploads(datetime.fromtimestamp(older_than, tz=UTC))
    return 0


def blob_modified(sha256: str) -> float | None:
    """When the blob was written (POSIX time), None if it is gone (ged_cleanup's grace period)."""
    store = storage()
    if s3 := _s3(store):
        meta = s3.head(blob_name(sha256))
        return None if meta is None else meta["LastModified"].timestamp()
    path = local_path(sha256)
    try:
        if path is not None:
            return path.stat().st_mtime
        return store.get_modified_time(blob_name(sha256)).timestamp()
    except FileNotFoundError:
        return None
