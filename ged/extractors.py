"""The text extractors, run in a child process by `ged.extract` (`python -I -S extractors.py …`).

Standard library only, no Django: the child starts fast and sets its own limits (`resource.setrlimit`
RLIMIT_AS and RLIMIT_CPU) before reading a byte of the file, so a hostile file costs at most those limits
even if a reader below misbehaves; `pdftotext`, when installed, inherits them. Each reader also bounds its
own work: a byte budget on inflated XML (total, not per part, and proportional to the file's size), an
output cap, and a PDF fallback that scans the file once (no regular expression that can backtrack over
the whole file)."""

import contextlib
import re
import resource
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from xml.parsers import expat

MAX_CHARS = 1_000_000
XML_CAP = 50 * 1024 * 1024
# The XML read is proportional to the file's size, as for an ordinary office file (whose parts inflate 3
# to 20 times): a zip bomb then costs what an ordinary file of its size costs, the rest is not read.
XML_RATIO = 20
XML_FLOOR = 1024 * 1024
STREAM_CAP = 20 * 1024 * 1024

OOXML_PARTS = {
    "doc": re.compile(r"^word/(document|header\d*|footer\d*|footnotes)\.xml$"),
    "xls": re.compile(r"^xl/(sharedStrings|worksheets/sheet\d+)\.xml$"),
    "ppt": re.compile(r"^ppt/slides/slide\d+\.xml$"),
    "pot": re.compile(r"^ppt/slides/slide\d+\.xml$"),
    "pps": re.compile(r"^ppt/slides/slide\d+\.xml$"),
}
ODF = {"odt", "ods", "odp", "odg"}
ZIPPED = {"docx", "docm", "dotx", "xlsx", "xlsm", "xltx", "pptx", "pptm", "potx", "ppsx"} | ODF
PLAIN = {"txt", "csv", "md"}
EXTRACTABLE = ZIPPED | PLAIN | {"pdf"}


class Budget:
    """Work left: a wall-clock deadline, inflated bytes, output characters."""

    def __init__(self, seconds: float, xml_bytes: int):
        self.end = time.monotonic() + seconds
        self.xml_bytes = xml_bytes
        self.chars = MAX_CHARS

    def check(self):
        if time.monotonic() > self.end:
            raise TimeoutError

    def spend_xml(self, n: int) -> bool:
        self.xml_bytes -= n
        return self.xml_bytes >= 0

    def emit(self, out: list, text: str) -> bool:
        """Append text; False once the output cap is reached (the caller stops reading)."""
        out.append(text[: self.chars])
        self.chars -= len(text)
        return self.chars > 0


def _refuse_entities(*_args):
    raise ValueError("entity declarations are not read")  # billion laughs and external entities


def _xml_text(stream, budget: Budget, *, odf: bool) -> str:
    """Text of an office XML part with expat's callbacks (no element tree kept): the text of <t>/<v>
    (OOXML) or of <p>/<h> (ODF), line breaks at paragraphs and rows."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_entities
    wanted = {"p", "h"} if odf else {"t", "v"}
    after = {"p": "\n", "h": "\n"} if odf else {"t": " ", "v": " ", "p": "\n", "si": "\n", "row": "\n"}
    out = []
    inside = [0]

    def start(name, _attrs):
        if name.rpartition("}")[2] in wanted:
            inside[0] += 1

    def end(name):
        local = name.rpartition("}")[2]
        if local in wanted:
            inside[0] -= 1
        if local in after:
            out.append(after[local])

    def text(data):
        if inside[0] > 0:
            out.append(data)
            budget.chars -= len(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    while chunk := stream.read(64 * 1024):
        if not budget.spend_xml(len(chunk)) or budget.chars <= 0:
            break
        parser.Parse(chunk, False)
        budget.check()
    return "".join(out)


def zip_text(path: str, ext: str, budget: Budget) -> str:
    parts = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if ext in ODF:
            wanted = [n for n in names if n == "content.xml"][:1]
        else:
            pattern = OOXML_PARTS[ext[:3]]
            wanted = sorted((n for n in names if pattern.match(n)), key=lambda n: (len(n), n))
        for name in wanted:
            if budget.xml_bytes <= 0 or budget.chars <= 0:
                break
            with archive.open(name) as member:
                parts.append(_xml_text(member, budget, odf=ext in ODF))
    return "\n".join(parts)


_PDF_STREAM_START = re.compile(rb"stream\r?\n")
_PDF_STREAM_END = re.compile(rb"\r?\nendstream|endstream")
# Tokens of a content stream that matter for text: a literal string (no nested parentheses: each match
# stops at the next parenthesis, so the scan stays linear), array brackets and the text-showing operators.
_PDF_TOKEN = re.compile(rb"\((?:[^()\\]|\\.)*\)|\[|\]|\bT[jJ]\b|'|\"", re.S)
_PDF_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"", b"t": b"\t", b"b": b"", b"f": b""}


def _pdf_unescape(raw: bytes) -> str:
    def one(match):
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _ESCAPES.get(code, code)

    return _PDF_ESCAPE.sub(one, raw).decode("latin-1")


def _content_text(body: bytes, out: list, budget: Budget) -> bool:
    """Strings shown by Tj, ', " (the last string before them) and TJ (the strings of its array)."""
    last = None
    array = None
    for match in _PDF_TOKEN.finditer(body):
        token = match.group()
        if token[:1] == b"(":
            last = token[1:-1]
            if array is not None:
                array.append(last)
        elif token == b"[":
            array = []
        elif token == b"]":
            pass  # the array's strings stay available to a following TJ
        elif token == b"TJ":
            if array and not budget.emit(out, "".join(_pdf_unescape(s) for s in array) + " "):
                return False
            array = last = None
        else:  # Tj, ' and "
            if last is not None and not budget.emit(out, _pdf_unescape(last) + " "):
                return False
            array = last = None
    return True


def pdf_fallback(data: bytes, budget: Budget) -> str:
    """A small reader of uncompressed or Flate content streams, in one forward pass: each `stream` keyword
    is matched with the next `endstream` once; when there is none left, no later stream can end either."""
    out = []
    pos = 0
    while True:
        start = _PDF_STREAM_START.search(data, pos)
        if start is None:
            break
        end = _PDF_STREAM_END.search(data, start.end())
        if end is None:
            break
        body = data[start.end() : end.start()]
        pos = end.end()
        with contextlib.suppress(zlib.error):
            body = zlib.decompressobj().decompress(body, STREAM_CAP)
        if not _content_text(body, out, budget):
            break
        budget.check()
    return "".join(out)


def pdf_text(path: str, budget: Budget, max_bytes: int) -> str:
    tool = shutil.which("pdftotext")
    if tool:
        remaining = max(1.0, budget.end - time.monotonic())
        result = subprocess.run(  # noqa: S603  (fixed tool, our own temp path, no shell)
            [tool, "-q", "-enc", "UTF-8", path, "-"],
            capture_output=True,
            timeout=remaining,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode == 0:
            return result.stdout.decode("utf-8", "replace")
        # pdftotext refuses damaged files the fallback may still read; both are bounded.
    with open(path, "rb") as fh:
        data = fh.read(max_bytes)
    return pdf_fallback(data, budget)


def plain_text(path: str) -> str:
    with open(path, "rb") as fh:
        raw = fh.read(MAX_CHARS * 2)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def extract_file(path: str, ext: str, *, seconds: float, max_bytes: int, size: int) -> str:
    budget = Budget(seconds, min(XML_CAP, max(XML_FLOOR, XML_RATIO * size)))
    if ext in PLAIN:
        return plain_text(path)
    if ext in ZIPPED:
        return zip_text(path, ext, budget)
    if ext == "pdf":
        return pdf_text(path, budget, max_bytes)
    return ""


def limit_self(cpu_seconds: int, memory_bytes: int) -> None:
    """Hard limits for this process and what it starts: past the CPU limit the kernel kills it (SIGXCPU,
    then SIGKILL), past the memory limit allocations fail (MemoryError)."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    path, ext, seconds, cpu, memory, max_bytes, size = argv
    limit_self(int(cpu), int(memory))
    try:
        text = extract_file(path, ext, seconds=float(seconds), max_bytes=int(max_bytes), size=int(size))
    except (
        TimeoutError,
        subprocess.TimeoutExpired,
        zipfile.BadZipFile,
        OSError,
        ValueError,
        KeyError,
        SyntaxError,
        MemoryError,
        RecursionError,
        expat.ExpatError,
        EOFError,
        zlib.error,
    ):
        return 3
    sys.stdout.buffer.write(text[:MAX_CHARS].encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
