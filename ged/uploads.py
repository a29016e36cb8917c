"""Uploads: streamed to a temp file in the blob store while hashing, size enforced while reading, content
checked (magic bytes, zip structure, image dimensions, antivirus) before any version refers to it."""

import contextlib
import ctypes
import ctypes.util
import hashlib
import os
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _

from . import antivirus, storage
from .names import clean_name, extension

CHUNK = 1024 * 1024

OOXML = {"docx", "docm", "dotx", "xlsx", "xlsm", "xltx", "pptx", "pptm", "potx", "ppsx"}
ODF = {"odt", "ods", "odp", "odg", "ott", "ots", "otp"}
MIME = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "csv": "text/csv",
    "md": "text/markdown",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "ppt": (b"\xd0\xcf\x11\xe0",),
}
TEXT = {"txt", "csv", "md"}
FORBIDDEN = {"html", "htm", "svg", "xhtml", "js", "exe", "bat", "cmd", "com", "scr", "msi", "ps1", "vbs"}
MAX_PIXELS = 100_000_000


def max_upload_bytes() -> int:
    return settings.GED_MAX_UPLOAD_MB * 1024 * 1024


def too_big_message() -> str:
    return _("Le fichier dépasse la taille maximale autorisée (%(mb)s Mo). Compressez-le ou découpez-le.") % {
        "mb": settings.GED_MAX_UPLOAD_MB
    }


@dataclass
class StagedFile:
    """A hashed, checked temp file waiting to become a version. `discard()` if it is not used."""

    path: str
    sha256: str
    size: int
    name: str
    mime_type: str

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


class _Writer:
    def __init__(self):
        self.tmp = storage.new_temp_file()
        self.hash = hashlib.sha256()
        self.size = 0
        self.limit = max_upload_bytes()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.abort()
            raise ValidationError(too_big_message(), code="too_big")
        self.hash.update(chunk)
        self.tmp.write(chunk)

    def close(self) -> tuple[str, str, int]:
        self.tmp.flush()
        self.tmp.close()
        return self.tmp.name, self.hash.hexdigest(), self.size

    def abort(self) -> None:
        self.tmp.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp.name)


class HashedUpload(UploadedFile):
    """What GedUploadHandler puts in request.FILES: the hashed temp file, not yet checked. An UploadedFile
    (with no open file) so that the API's `File[UploadedFile]` parameters accept it as it is."""

    def __init__(self, name, path, sha256, size, error=None):
        super().__init__(file=None, name=name, size=size)
        self.path, self.sha256, self.error = path, sha256, error

    def discard(self):
        if self.path:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


class GedUploadHandler(FileUploadHandler):
    """Multipart upload handler: writes each file straight into the store's tmp dir while hashing; stops
    reading a file as soon as it passes the size limit (the rest of the body is skipped, not stored)."""

    chunk_size = CHUNK

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.writer = _Writer()
        self.error = None

    def receive_data_chunk(self, raw_data, start):
        if self.error is None:
            try:
                self.writer.write(raw_data)
            except ValidationError as exc:
                self.error = exc
        return None

    def file_complete(self, file_size):
        if self.error is not None:
            return HashedUpload(self.file_name, None, "", 0, error=self.error)
        path, sha, size = self.writer.close()
        return HashedUpload(self.file_name, path, sha, size)

    def upload_interrupted(self):
        writer = getattr(self, "writer", None)
        if writer is not None:
            writer.abort()


def discard_uploads(request) -> None:
    """Remove the temp files of a request's uploads that were not turned into versions."""
    for files in request.FILES.lists():
        for f in files[1]:
            if isinstance(f, HashedUpload):
                f.discard()


def _stream_to_temp(fileobj) -> tuple[str, str, int]:
    writer = _Writer()
    try:
        while chunk := fileobj.read(CHUNK):
            writer.write(chunk)
    except ValidationError:
        raise
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def stage(source, name: str | None = None) -> StagedFile:
    """Hash and check a file: a HashedUpload, a Django UploadedFile, an open binary file or a path.

    Raises ValidationError with a French message; nothing is left behind on refusal."""
    if isinstance(source, StagedFile):
        return source
    if isinstance(source, HashedUpload):
        if source.error is not None:
            raise source.error
        path, sha, size = source.path, source.sha256, source.size
        name = name or source.name
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            path, sha, size = _stream_to_temp(fh)
        name = name or Path(source).name
    else:
        name = name or getattr(source, "name", "") or ""
        if hasattr(source, "seek"):
            with contextlib.suppress(OSError, ValueError):
                source.seek(0)
        path, sha, size = _stream_to_temp(source)
    display = clean_name(os.path.basename(name.replace("\\", "/")) if name else "")
    try:
        mime = check_content(path, display, size)
        antivirus.scan(path)
    except BaseException:
        os.unlink(path)
        raise
    return StagedFile(path=path, sha256=sha, size=size, name=display, mime_type=mime)


def check_content(path: str, name: str, size: int) -> str:
    """The MIME type we will serve, from the extension once the content is proven to match it."""
    if size == 0:
        raise ValidationError(
            _("Le fichier « %(name)s » est vide : choisissez un fichier qui a un contenu.") % {"name": name},
            code="empty",
        )
    ext = extension(name)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    mismatch = ValidationError(
        _(
            "Le contenu du fichier « %(name)s » ne correspond pas à son extension « "
            ".%(ext)s ». Vérifiez le fichier ou renommez-le avec la bonne extension."
        )
        % {"name": name, "ext": ext},
        code="mismatch",
    )
    if ext in OOXML or ext in ODF:
        if not head.startswith(b"PK\x03\x04"):
            raise mismatch
        check_zip(path, name, office_kind="ooxml" if ext in OOXML else "odf")
    elif ext in MAGIC:
        if not head.startswith(MAGIC[ext]):
            raise mismatch
        if ext == "zip":
            check_zip(path, name)
        if ext == "png":
            _check_png(head, name)
    elif ext in TEXT:
        if b"\x00" in head:
            raise mismatch
        lower = head.lstrip()[:200].lower()
        if lower.startswith((b"<!doctype html", b"<html", b"<script", b"<svg")):
            raise mismatch
    elif ext in FORBIDDEN:
        refuse_forbidden_type(name)
    return MIME.get(ext, "application/octet-stream")


def refuse_forbidden_type(name: str) -> None:
    """Refuse the extensions never accepted (an upload session says so before any byte is sent)."""
    ext = extension(name)
    if ext in FORBIDDEN:
        raise ValidationError(
            _(
                "Les fichiers « .%(ext)s » ne sont pas acceptés dans les "
                "espaces documentaires. Envoyez un PDF ou une archive ZIP."
            )
            % {"ext": ext},
            code="forbidden_type",
        )


def _check_png(head: bytes, name: str) -> None:
    if len(head) >= 24 and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        if width * height > MAX_PIXELS:
            raise ValidationError(
                _("L'image « %(name)s » est trop grande (%(w)s × %(h)s pixels).")
                % {"name": name, "w": width, "h": height},
                code="pixels",
            )


def check_zip(path: str, name: str, *, office_kind: str = "") -> None:
    """Central directory first (entry count, declared sizes, ratio, unsafe names, symlinks, overlaps), then
    inflate every entry with a byte cap, since declared sizes may lie."""
    bomb = ValidationError(
        _(
            "Le fichier « %(name)s » est une archive anormale (trop d'éléments ou "
            "trop volumineuse une fois décompressée) : il est refusé par sécurité."
        )
        % {"name": name},
        code="zip_bomb",
    )
    broken = ValidationError(
        _("Le fichier « %(name)s » est endommagé ou n'est pas un document bureautique valide.")
        % {"name": name},
        code="zip_invalid",
    )
    unsafe = ValidationError(
        _("L'archive « %(name)s » contient des chemins dangereux ; elle est refusée.") % {"name": name},
        code="zip_unsafe",
    )
    max_total = settings.GED_ZIP_MAX_UNCOMPRESSED_MB * 1024 * 1024
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise broken from None
    with archive:
        infos = archive.infolist()
        if len(infos) > settings.GED_ZIP_MAX_ENTRIES:
            raise bomb
        declared = 0
        offsets = set()
        for info in infos:
            n = info.filename
            if n.startswith(("/", "\\")) or "\\" in n or ".." in n.split("/") or ":" in n.split("/")[0]:
                raise unsafe
            if stat.S_ISLNK(info.external_attr >> 16):
                raise unsafe
            if info.header_offset in offsets:
                raise bomb  # overlapping entries: the classic non-recursive zip bomb
            offsets.add(info.header_offset)
            declared += info.file_size
            if declared > max_total:
                raise bomb
            if (
                info.compress_size
                and info.file_size > 1024 * 1024
                and info.file_size / info.compress_size > settings.GED_ZIP_MAX_RATIO
            ):
                raise bomb
        names = {i.filename for i in infos}
        if office_kind == "ooxml" and "[Content_Types].xml" not in names:
            raise broken
        if office_kind == "odf" and "mimetype" not in names:
            raise broken
        total = 0
        try:
            for info in infos:
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    seen = 0
                    while chunk := member.read(CHUNK):
                        seen += len(chunk)
                        total += len(chunk)
                        if seen > info.file_size or total > max_total:
                            raise bomb
        except ValidationError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
            raise broken from None


# --- Resumable uploads (UploadSession) ------------------------------------------------------------------


def _libcrypto():
    name = ctypes.util.find_library("crypto")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        for fn in (lib.SHA256_Init, lib.SHA256_Update, lib.SHA256_Final):
            fn.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return lib


_CRYPTO = _libcrypto()
# OpenSSL's SHA256_CTX: h[8], Nl, Nh, data[16], num, md_len (32-bit words), the same layout since 0.9.8.
_SHA256_CTX_SIZE = 112


class ResumableSha256:
    """SHA-256 whose state can be saved between two requests (an upload session's chunks may reach
    different workers), so the spool file is never read again to hash it. Python's hashlib cannot export
    its state; OpenSSL's plain SHA256_CTX can. Without libcrypto, `state()` is None and the caller hashes
    the file once at the end (`file_sha256`)."""

    available = _CRYPTO is not None

    def __init__(self, state: bytes | None = None):
        if not self.available:
            raise RuntimeError("libcrypto unavailable")
        self._ctx = ctypes.create_string_buffer(_SHA256_CTX_SIZE)
        if state is None:
            _CRYPTO.SHA256_Init(self._ctx)
        else:
            if len(state) != _SHA256_CTX_SIZE:
                raise ValueError("bad SHA-256 state")
            ctypes.memmove(self._ctx, bytes(state), _SHA256_CTX_SIZE)

    def update(self, data: bytes) -> None:
        _CRYPTO.SHA256_Update(self._ctx, data, len(data))

    def state(self) -> bytes:
        return self._ctx.raw

    def hexdigest(self) -> str:
        ctx = ctypes.create_string_buffer(self._ctx.raw, _SHA256_CTX_SIZE)  # Final must not spoil ours
        out = ctypes.create_string_buffer(32)
        _CRYPTO.SHA256_Final(out, ctx)
        return out.raw.hex()


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def session_spool_dir(*, create: bool = True) -> Path:
    """Spool files of upload sessions: in the store's tmp dir (same filesystem as the blobs, so finishing is
    a rename), in their own subdirectory so that the tmp sweep by age leaves them to the session sweep."""
    path = storage.tmp_dir() / "sessions"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def session_spool_path(session_id: str) -> Path:
    return session_spool_dir() / f"{session_id}.part"


def stage_spooled(path: str | os.PathLike, *, sha256: str, size: int, name: str) -> StagedFile:
    """Check a complete, already hashed spool file (content, antivirus) without copying it. The file stays
    where it is on refusal; the caller decides."""
    display = clean_name(os.path.basename(name.replace("\\", "/")) if name else "")
    mime = check_content(str(path), display, size)
    antivirus.scan(str(path))
    return StagedFile(path=str(path), sha256=sha256, size=size, name=display, mime_type=mime)
