"""Files that clients write beside the documents and that never become GED documents: macOS `._*` and
`.DS_Store`, Windows `Thumbs.db` and `desktop.ini`, Office `~$*` owner files, LibreOffice `.~lock.*#`, the
temp files Word (`~WRD0000.tmp`, `~WRL0001.tmp`: any `~WR?….tmp`) and LibreOffice (`lu….tmp`) save through
before renaming them over the document, and an empty file created before its content arrives (Explorer and
Finder create the file, then write it).

They are kept per agent in a small temporary store (the GED's tmp dir, `dav/<user id>/`), so that a client
reading back what it wrote finds it, but they are never listed, never versioned, never seen by anyone else,
and are removed after `MAX_AGE` (swept at each write). Past `MAX_BYTES` the bytes are accepted and dropped,
except for the save temps (`is_save_temp`), which carry a whole document: they are kept up to the GED's upload
limit, past which the PUT answers 413 (a truncated temp must never become a version).

An *alias* is what Word's save leaves when it renames the document to its backup name (`MOVE doc.docx →
~WRL0001.tmp`): nothing changes in the GED; for that agent's DAV client the backup name reads the document's
current bytes and the document's own name is free (hidden from that agent only) until a file is moved onto it
(its next version) or the alias goes (DELETE, a MOVE back, `MAX_AGE`).
"""

import contextlib
import fnmatch
import hashlib
import json
import os
import re
import time
import unicodedata
from pathlib import Path

from .. import storage

MAX_AGE = 24 * 3600
MAX_BYTES = 4 * 1024 * 1024
PATTERNS = ("._*", ".ds_store", "thumbs.db", "desktop.ini", "~$*", ".~lock.*#")
# Word's temps (~WRD0000.tmp new content, ~WRL0001.tmp the renamed original, ~WRF…) and LibreOffice's
# (lu + letters and digits + .tmp, e.g. lu2848gz5k.tmp): a whole document in transit.
SAVE_TEMP = re.compile(r"(~wr[a-z][0-9a-z]*|lu[0-9a-z]{3,})\.tmp")


def is_save_temp(name: str) -> bool:
    return SAVE_TEMP.fullmatch(name.lower()) is not None


def is_scratch_name(name: str) -> bool:
    lowered = name.lower()
    return is_save_temp(lowered) or any(fnmatch.fnmatchcase(lowered, p) for p in PATTERNS)


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

    def __init__(self, user_id: int, path: str, *, limit: int | None = None):
        """`limit`: past it, write() raises `too_big` (the save temps); without it, MAX_BYTES are kept and
        the rest dropped."""
        self.limit = limit
        self.target = _file(user_id, path)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        sweep(user_id)
        self.tmp = self.target.with_suffix(".part")
        self.fh = open(self.tmp, "wb")  # noqa: SIM115
        self.size = 0

    def write(self, data: bytes) -> None:
        if self.limit is not None:
            self.size += len(data)
            if self.size > self.limit:
                raise too_big()
            self.fh.write(data)
            return
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


def too_big():
    from ..uploads import too_big_message
    from .errors import FrenchDAVError

    return FrenchDAVError(413, too_big_message())


def writer_for(user_id: int, path: str, name: str) -> ScratchWriter:
    """The writer of scratch file `name`: a save temp is kept whole, up to the GED's upload limit."""
    from ..uploads import max_upload_bytes

    return ScratchWriter(user_id, path, limit=max_upload_bytes() if is_save_temp(name) else None)


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


# --- Aliases (Word's backup rename) -------------------------------------------------------------------------


def path_key(path: str) -> str:
    """Two spellings of one DAV path (Unicode form, case) meet, as the GED's names do."""
    return unicodedata.normalize("NFC", path).casefold()


def _alias_file(user_id: int, path: str) -> Path:
    return _file(user_id, "alias:" + path_key(path)).with_suffix(".alias")


def _hidden_file(user_id: int, document_id: int) -> Path:
    return _dir(user_id) / f"hidden-{int(document_id)}"


def _read_json(path: Path) -> dict | None:
    try:
        if time.time() - path.stat().st_mtime > MAX_AGE:
            return None
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def alias_set(user_id: int, path: str, *, document_id: int, document_path: str, blob: str | None, size: int):
    """`path` (a scratch name) now reads document `document_id`'s bytes `blob`, and the document's own name
    `document_path` is free for this agent until `release()` or `alias_remove()`."""
    sweep(user_id)
    remove(user_id, path)
    entry = {"document": int(document_id), "document_path": document_path, "blob": blob, "size": size}
    _write_json(_alias_file(user_id, path), {**entry, "alias": path, "mtime": time.time()})
    _write_json(_hidden_file(user_id, document_id), {**entry, "alias": path})


def alias_get(user_id: int, path: str) -> dict | None:
    return _read_json(_alias_file(user_id, path))


def alias_remove(user_id: int, path: str) -> None:
    """The alias goes; if its document is still hidden by it, the document shows again under its name."""
    entry = alias_get(user_id, path)
    with contextlib.suppress(OSError):
        os.unlink(_alias_file(user_id, path))
    if entry is not None:
        hidden = _read_json(_hidden_file(user_id, entry["document"]))
        if hidden is not None and path_key(hidden["alias"]) == path_key(path):
            release(user_id, entry["document"])


def release(user_id: int, document_id: int) -> None:
    """Document `document_id` shows again under its name (a file was moved onto it, or its alias went)."""
    with contextlib.suppress(OSError):
        os.unlink(_hidden_file(user_id, document_id))


def hidden(user_id: int) -> dict[int, dict]:
    """The documents this agent's client renamed away (document id → alias entry); usually none."""
    found = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(_dir(user_id)):
            if entry.name.startswith("hidden-"):
                data = _read_json(Path(entry.path))
                if data is not None:
                    found[int(data["document"])] = data
    return found


def hidden_at(user_id: int, path: str) -> dict | None:
    """The alias entry of the hidden document whose name is `path`, if any."""
    key = path_key(path)
    for data in hidden(user_id).values():
        if path_key(data["document_path"]) == key:
            return data
    return None
