"""Document preview on the document page: what kind of preview a version gets, the text excerpt of a text
file, and the cache of office files converted to PDF by the Document Server.

A preview is a side door to the bytes: every route that serves one fetches the version through
`access_version(..., need="download")`, so it answers exactly like the download (404 for missing, forbidden,
trashed or placeholder alike). The converted PDFs are kept under `previews/` in the blob store, keyed by the
source blob's sha256: the same content is converted once, whatever document or version holds it. They are
not blobs (`ged_cleanup` lists `blobs/` only) and are removed with their source blob."""

import contextlib
import os
import re

from django.core.files import File

from . import conversion, storage
from .models import Version
from .names import extension

PDF = "pdf"
IMAGE = "image"
TEXT = "text"
OFFICE = "office"

# Raster images a browser shows in an <img>; never SVG (it may carry script).
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
TEXT_EXTENSIONS = {"txt", "csv", "md", "log", "json", "xml"}
TEXT_LIKE_TYPES = {"", "application/json", "application/xml", "application/octet-stream"}
TEXT_MAX_BYTES = 64 * 1024

_SHA = re.compile(r"^[0-9a-f]{64}$")


def preview_kind(version: Version | None, title: str) -> str | None:
    """The preview a version gets on the document page, or None (« Aperçu indisponible … »)."""
    if version is None:
        return None
    mime = (version.mime_type or "").lower()
    ext = extension(title)
    if mime == "application/pdf":
        return PDF
    if mime in IMAGE_TYPES:
        return IMAGE
    if mime.startswith("text/") or (ext in TEXT_EXTENSIONS and mime in TEXT_LIKE_TYPES):
        return TEXT
    if ext in conversion.PDF_SOURCES and conversion.enabled():
        return OFFICE
    return None


def text_excerpt(version: Version) -> tuple[str, bool]:
    """The first TEXT_MAX_BYTES of a text file, decoded (UTF-8, else Latin-1), and whether it was cut.
    The template escapes it."""
    with storage.blob_read_range(version.blob_id, 0, TEXT_MAX_BYTES + 1) as fh:
        data = fh.read(TEXT_MAX_BYTES + 1)
    truncated = len(data) > TEXT_MAX_BYTES
    data = data[:TEXT_MAX_BYTES]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character is not an encoding problem.
        if truncated and exc.start >= len(data) - 3:
            text = data[: exc.start].decode("utf-8", errors="replace")
        else:
            text = data.decode("latin-1")
    return text.removeprefix("\ufeff"), truncated


# --- Cache of converted PDFs ---------------------------------------------------------------------------


def cached_pdf_name(sha256: str) -> str:
    if not _SHA.match(sha256 or ""):
        raise ValueError("not a sha256")
    return f"previews/{sha256[:2]}/{sha256[2:4]}/{sha256}.pdf"


def cached_pdf_open(sha256: str):
    """The cached PDF of this content, opened for reading, or None."""
    store = storage.storage()
    name = cached_pdf_name(sha256)
    try:
        if not store.exists(name):
            return None
        return store.open(name, "rb")
    except (FileNotFoundError, OSError):
        return None


def cached_pdf_store(sha256: str, temp_path: str) -> None:
    """Keep a converted PDF (a temp file, removed here) for the next previews of the same content."""
    store = storage.storage()
    name = cached_pdf_name(sha256)
    try:
        if not store.exists(name):
            with open(temp_path, "rb") as fh:
                store.save(name, File(fh))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)


def cached_pdf_delete(sha256: str) -> None:
    """Called when the source blob goes: its preview goes with it."""
    with contextlib.suppress(Exception):
        storage.storage().delete(cached_pdf_name(sha256))
