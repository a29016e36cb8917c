"""Display names given by users: normalised for display, never used in a storage path."""

import re
import unicodedata
from urllib.parse import quote

MAX_NAME_BYTES = 255
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"))
_SEPARATORS = re.compile(r"[/\\\u2215\u2044\u29f8\uff0f\uff3c]")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
FALLBACK = "sans-nom"


def _truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def clean_name(name: str, *, fallback: str = FALLBACK) -> str:
    """NFC, no control or bidi characters, no path separators, no Windows reserved stem, <= 255 UTF-8 bytes,
    keeping the extension. Idempotent."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.translate(_BIDI)
    name = "".join(" " if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} else c for c in name)
    name = _SEPARATORS.sub("-", name)
    name = " ".join(name.split())
    name = name.strip(" .-")
    if not name or set(name) <= {"."}:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if stem.split(".")[0].strip().lower() in _RESERVED:
        name = "_" + name
        stem = "_" + stem
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        ext = ext[:16]
        suffix = f".{ext}" if ext and dot else ""
        name = _truncate_bytes(stem, MAX_NAME_BYTES - len(suffix.encode("utf-8"))).rstrip(" .") + suffix
    return unicodedata.normalize("NFC", name)


def title_key(title: str) -> str:
    """What two document titles share when they collide in a folder: NFC, then case-folded (« Note.TXT »,
    « note.txt » and an « é » typed as e + accent all meet). Computed in Python so SQLite and PostgreSQL
    agree; stored in Document.title_key under a partial unique index on live documents."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", title or "").casefold())


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def content_disposition(name: str, *, inline: bool = False) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name (RFC 5987). Never a CR, LF or unescaped quote."""
    name = clean_name(name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()\[\]+,;=@-]", "_", ascii_name).strip() or "document"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
