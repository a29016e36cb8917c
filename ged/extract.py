"""Text extraction for full-text search, bounded in size and time. Office formats are read as zips of XML
with the standard library (their structure was checked at upload); PDF through `pdftotext` when installed,
else a small reader of uncompressed/Flate text streams."""

import contextlib
import re
import shutil
import subprocess
import time
import zipfile
import zlib
from xml.etree.ElementTree import XMLPullParser

from django.conf import settings

MAX_CHARS = 1_000_000
XML_CAP = 50 * 1024 * 1024

OOXML_PARTS = {
    "docx": re.compile(r"^word/(document|header\d*|footer\d*|footnotes)\.xml$"),
    "xlsx": re.compile(r"^xl/(sharedStrings|worksheets/sheet\d+)\.xml$"),
    "pptx": re.compile(r"^ppt/slides/slide\d+\.xml$"),
}
TEXT_TAGS = {"t", "p", "h", "span", "v", "is", "a"}


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def check(self):
        if time.monotonic() > self.end:
            raise TimeoutError


def _xml_text(stream, deadline: Deadline) -> str:
    parser = XMLPullParser(events=("end",))
    out, read = [], 0
    while chunk := stream.read(256 * 1024):
        read += len(chunk)
        if read > XML_CAP:
            break
        parser.feed(chunk)
        for _event, elem in parser.read_events():
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag in {"t", "v"} and elem.text:
                out.append(elem.text + " ")
            elif tag in {"p", "h", "si", "row"}:
                out.append("\n")
            elem.clear()
        deadline.check()
    return " ".join("".join(out).split(" "))


def _zip_text(path: str, ext: str, deadline: Deadline) -> str:
    parts = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if ext in {"odt", "ods", "odp", "odg"}:
            wanted = [n for n in names if n == "content.xml"]
        else:
            pattern = OOXML_PARTS.get(ext[:4] if ext.startswith(("doc", "xls", "ppt")) else ext)
            key = "docx" if ext.startswith("doc") else "xlsx" if ext.startswith("xls") else "pptx"
            pattern = OOXML_PARTS[key]
            wanted = sorted((n for n in names if pattern.match(n)), key=lambda n: (len(n), n))
        for name in wanted:
            with archive.open(name) as member:
                parts.append(
                    _odf_text(member, deadline) if name == "content.xml" else _xml_text(member, deadline)
                )
    return "\n".join(parts)


def _odf_text(stream, deadline: Deadline) -> str:
    parser = XMLPullParser(events=("end",))
    out, read = [], 0
    while chunk := stream.read(256 * 1024):
        read += len(chunk)
        if read > XML_CAP:
            break
        parser.feed(chunk)
        for _event, elem in parser.read_events():
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag in {"p", "h"}:
                out.append("".join(elem.itertext()))
                out.append("\n")
                elem.clear()
        deadline.check()
    return "".join(out)


_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_PDF_TEXT = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj|\[(.*?)\]\s*TJ", re.S)
_PDF_STR = re.compile(rb"\(((?:\\.|[^\\)])*)\)")


def _pdf_unescape(raw: bytes) -> str:
    raw = re.sub(
        rb"\\([nrtbf()\\])",
        lambda m: {b"n": b"\n", b"r": b"", b"t": b"\t", b"b": b"", b"f": b""}.get(m.group(1), m.group(1)),
        raw,
    )
    raw = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8) & 0xFF]), raw)
    return raw.decode("latin-1")


def _pdf_text(path: str, deadline: Deadline) -> str:
    tool = shutil.which("pdftotext")
    if tool:
        remaining = max(1.0, deadline.end - time.monotonic())
        result = subprocess.run(  # noqa: S603  (fixed tool, our own temp path, no shell)
            [tool, "-q", "-enc", "UTF-8", path, "-"], capture_output=True, timeout=remaining, check=False
        )
        return result.stdout.decode("utf-8", "replace")
    with open(path, "rb") as fh:
        data = fh.read(settings.GED_EXTRACT_MAX_MB * 1024 * 1024)
    out = []
    for match in _PDF_STREAM.finditer(data):
        body = match.group(1)
        with contextlib.suppress(zlib.error):
            body = zlib.decompressobj().decompress(body, 20 * 1024 * 1024)
        for text_match in _PDF_TEXT.finditer(body):
            if text_match.group(1) is not None:
                out.append(_pdf_unescape(text_match.group(1)))
            else:
                out.append("".join(_pdf_unescape(s) for s in _PDF_STR.findall(text_match.group(2))))
            out.append(" ")
        deadline.check()
    return "".join(out)


def extract(path: str, ext: str, size: int) -> str:
    """Plain text of a file, or "" when the format is unknown, the file too big or too slow to read."""
    if size > settings.GED_EXTRACT_MAX_MB * 1024 * 1024:
        return ""
    deadline = Deadline(settings.GED_EXTRACT_TIMEOUT_S)
    try:
        if ext in {"txt", "csv", "md"}:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_CHARS * 2)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", "replace")
        elif ext in {
            "docx",
            "docm",
            "dotx",
            "xlsx",
            "xlsm",
            "xltx",
            "pptx",
            "pptm",
            "potx",
            "ppsx",
            "odt",
            "ods",
            "odp",
            "odg",
        }:
            text = _zip_text(path, ext, deadline)
        elif ext == "pdf":
            text = _pdf_text(path, deadline)
        else:
            return ""
    except (
        TimeoutError,
        subprocess.TimeoutExpired,
        zipfile.BadZipFile,
        OSError,
        ValueError,
        KeyError,
        SyntaxError,
    ):
        return ""
    text = text.replace("\x00", "")
    return " ".join(text.split())[:MAX_CHARS]
