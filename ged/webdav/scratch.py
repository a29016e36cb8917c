"""Files that clients write beside the documents and that never become GED documents: macOS `._*` and
`.DS_Store`, Windows `Thumbs.db` and `desktop.ini`, Office `~$*` owner files, LibreOffice `.~lock.*#`, and an
empty file created before its content arrives (Explorer and Finder create the file, then write it).

They are kept per agent in a small temporary store (the GED's tmp dir, `dav/<user id>/`), so that a client
reading back what it wrote finds it, but they are never listed, never versioned, never seen by anyone else,
and are removed after `MAX_AGE` (swept at each write). Past `MAX_BYTES` the bytes are accepted and dropped.
"""

import contextlib
import fnmatch
import hashlib
import os
import time
from pathlib import Path

from .. import storage

MAX_AGE = 24 * 3600
MAX_BYTES = 4 * 1024 * 1024
PATTERNS = ("._*", ".ds_store", "thumbs.db", "desktop.ini", "~$*", ".~lock.*#")


def is_scratch_name(name: str) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p) for p in PATTERNS)


def _dir(user_id: int) -> Path:
    return storage.tmp_dir() / "dav" / str(int(user_id))


def _file(user_id: int, path: str) -> Path:
    return _dir(user_id) / hashlib.sha256(path.encode("utf-8")).hexdigest()


def stat(user_id: int, path: str) -> os.stat_result | None:
    try:
        result = _file(user_id, path).stat()
    except OSError:
        return None
    if time.time() - result.st_mtime > MAX_AGE:
        return None
    return result


def open_read(user_id: int, path: str):
    return open(_file(user_id, path), "rb")  # noqa: SIM115 (wsgidav closes it)


def sweep(user_id: int) -> None:
    cutoff = time.time() - MAX_AGE
    with contextlib.suppress(OSError):
        for entry in os.scandir(_dir(user_id)):
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)


class ScratchWriter:
    """Writes at most MAX_BYTES to a temp file, then renames it in place on close (readers never see half a
    file); anything past the limit is read and dropped."""

    def __init__(self, user_id: int, path: str):
        self.target = _file(user_id, path)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        sweep(user_id)
        self.tmp = self.target.with_suffix(".part")
        self.fh = open(self.tmp, "wb")  # noqa: SIM115
        self.size = 0

    def write(self, data: bytes) -> None:
        room = MAX_BYTES - self.size
        if room > 0:
            self.fh.write(data[:room])
        self.size += len(data)

    def close(self) -> None:
        if self.fh.closed:
            return
        self.fh.close()
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        self.fh.close()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


def write_empty(user_id: int, path: str) -> None:
    writer = ScratchWriter(user_id, path)
    writer.close()


def remove(user_id: int, path: str) -> bool:
    try:
        os.unlink(_file(user_id, path))
    except OSError:
        return False
    return True


def rename(user_id: int, source: str, dest: str) -> None:
    target = _file(user_id, dest)
    os.replace(_file(user_id, source), target)
    os.utime(target)
