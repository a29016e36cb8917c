"""A Document Server stand-in speaking the ONLYOFFICE protocol over real HTTP (reference: onlyoffice.md §9).

No Document Server can run on the test machines, so the integration is proven against this simulator: a
threaded stdlib HTTP server on loopback, plus a second loopback "attacker" server that only counts the
requests it receives (a hostile callback must never make the app fetch anything from it).

The Python driving API (`open`, `edit`, `forcesave`, `close`, `callback`) is blocking and shares its code
with the `/sim/*` HTTP endpoints that the `api.js` stand-in calls from a browser. JWT handling is written
here with `hmac` on purpose: the simulator must not share a library (or a bug) with the app it tests.

Driving API (all blocking; user ids are strings):
- `open(config, user_id) -> OpenResult(ok, error, fetch_status, key, mode)`: validates the config token,
  GETs `document.url` with the header JWT (unless the key is already known: the DS cache is reused), sends
  status 1 for editors.
- `edit(key, user_id, text)`: adds `text` to the document (same type, still valid); view mode raises
  PermissionError, an unknown key or user raises KeyError.
- `forcesave(key, user_id, forcesavetype=1, misbehave=None, userdata="") -> CallbackResult` (status 6, or 7).
- `close(key, user_id, misbehave=None) -> list[CallbackResult]`: status 1 (action 0), then for the last
  user status 2 (edited in this session; `notmodified` true if nothing changed since a forcesave) or 4.
- `callback(key, status, *, user_id, misbehave=None, **fields)`: any callback on a known key, open or not
  (stale keys, status 6 after 2); `fields` override the computed ones (e.g. `url=`).
- `wait_idle()`: wait for callbacks the command service sends in the background after answering.
- Logs: `requests` (dicts; "direction" in: received, out: fetches we made, api: open calls), `callbacks`,
  `forgotten` ({key, status, url, result}), `dropped`, `commands` (every verified command, in order);
  `attacker.hits` / `attacker.paths`.
- Command service (`POST /command`): `forcesave` (error 4 when nothing changed; status 6 with
  `forcesavetype` 0 sent in the background), `info`, `drop` (closes the users' sessions), `meta`, `version`,
  `license`, `getForgottenList` (`keys`), `getForgotten` (`url` of the last file kept for the key, error 1
  if none), `deleteForgotten`.
- Knobs (reset per test): `retry_scale`, `close_delay`, `max_file_size`, `oversize_bytes`, `zip_bomb_bytes`,
  `slow_seconds`, `internal_url`, `file_ttl`, `converter_error`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import io
import json
import re
import secrets
import string
import threading
import time
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

MIB = 1024 * 1024
KEY_RE = re.compile(r"^[0-9A-Za-z._=-]{1,128}$")
SERVER_VERSION = "8.2.0"
DOCUMENT_TYPES = {
    "word": {"docx", "doc", "odt", "rtf", "txt", "docm", "dotx", "ott"},
    "cell": {"xlsx", "xls", "ods", "csv", "xlsm", "xltx", "ots"},
    "slide": {"pptx", "ppt", "odp", "pptm", "potx", "otp"},
    "pdf": {"pdf", "djvu", "xps", "oxps"},
}
OOXML_OF = {"doc": "docx", "xls": "xlsx", "ppt": "pptx", "odt": "docx", "ods": "xlsx", "odp": "pptx"}
ODF_OF = {"doc": "odt", "xls": "ods", "ppt": "odp", "docx": "odt", "xlsx": "ods", "pptx": "odp"}
MISBEHAVIOURS = {
    "unsigned",
    "wrong_secret",
    "alg_none",
    "expired",
    "header_only",
    "body_only",
    "disagree",
    "unknown_key",
    "foreign_url",
    "redirect_url",
    "internal_url",
    "duplicate",
    "duplicate_concurrent",
    "oversized",
    "zip_bomb",
    "form_urlencoded",
    "error_status",
    "slow",
}


# --------------------------------------------------------------------------------------------------- JWT


class TokenError(Exception):
    pass


class TokenExpired(TokenError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_encode(payload: dict, secret: str, *, alg: str = "HS256") -> str:
    """HS256 JWT; `alg="none"` builds the unsigned token of the classic attack."""
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}"
    if alg == "none":
        return signing_input + "."
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def jwt_decode(token: str, secret: str, *, leeway: int = 60) -> dict:
    """Like the DS: HS256 only, signature and `exp`/`nbf` checked with 60 s tolerance."""
    try:
        header_b64, body_b64, signature_b64 = token.split(".")
        header = json.loads(_unb64(header_b64))
        payload = json.loads(_unb64(body_b64))
        signature = _unb64(signature_b64)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise TokenError("malformed token") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise TokenError("algorithm not allowed")
    expected = hmac.new(secret.encode(), f"{header_b64}.{body_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise TokenError("bad signature")
    if not isinstance(payload, dict):
        raise TokenError("payload is not an object")
    now = time.time()
    if "exp" in payload and now > float(payload["exp"]) + leeway:
        raise TokenExpired("token expired")
    if "nbf" in payload and now < float(payload["nbf"]) - leeway:
        raise TokenError("token not yet valid")
    return payload


def _timestamps(ttl: int = 300) -> dict:
    now = int(time.time())
    return {"iat": now, "exp": now + ttl}


# ------------------------------------------------------------------------------------------- documents


def _rewrite_zip(data: bytes, transform: dict) -> bytes:
    """Copy a zip entry by entry (order and compression kept: ODF needs `mimetype` first and stored),
    applying `transform[name](text) -> text` to the named XML parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename in transform:
                content = transform[info.filename](content.decode("utf-8")).encode("utf-8")
            dst.writestr(info, content, compress_type=info.compress_type)
    return out.getvalue()


def _insert_before(xml: str, anchors: list[str], fragment: str) -> str:
    for anchor in anchors:
        index = xml.rfind(anchor) if anchor.startswith("</") else xml.find(anchor)
        if index >= 0:
            return xml[:index] + fragment + xml[index:]
    raise ValueError(f"none of {anchors} found")


def _edit_docx(data: bytes, text: str) -> bytes:
    paragraph = f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    def transform(xml: str) -> str:
        # The paragraph goes before the final section properties, which must stay last in the body.
        body_end = xml.rfind("</w:body>")
        sect = xml.rfind("<w:sectPr", 0, body_end)
        if sect >= 0 and "</w:p>" not in xml[sect:body_end]:
            return xml[:sect] + paragraph + xml[sect:]
        return _insert_before(xml, ["</w:body>"], paragraph)

    return _rewrite_zip(data, {"word/document.xml": transform})


def _first_sheet(names: list[str]) -> str:
    sheets = sorted(
        (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.findall(r"\d+", n)[-1]),
    )
    if not sheets:
        raise ValueError("no worksheet")
    return sheets[0]


def _edit_xlsx(data: bytes, text: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = _first_sheet(archive.namelist())

    def transform(xml: str) -> str:
        rows = [int(n) for n in re.findall(r'<row[^>]*\sr="(\d+)"', xml)]
        r = max(rows, default=0) + 1
        row = f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{escape(text)}</t></is></c></row>'
        if "<sheetData/>" in xml:
            return xml.replace("<sheetData/>", f"<sheetData>{row}</sheetData>", 1)
        xml = _insert_before(xml, ["</sheetData>"], row)
        # A stale <dimension> would hide the new row from strict readers.
        return re.sub(r'<dimension ref="[^"]*"/>', "", xml, count=1)

    return _rewrite_zip(data, {sheet: transform})


_PPTX_SLIDE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
    '<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
    "<p:grpSpPr/></p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
)


def _pptx_shape(shape_id: int, text: str) -> str:
    return (
        '<p:sp xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        f'<p:nvSpPr><p:cNvPr id="{shape_id}" name="Zone de texte {shape_id}"/><p:cNvSpPr txBox="1"/>'
        "<p:nvPr/></p:nvSpPr>"
        '<p:spPr><a:xfrm><a:off x="457200" y="457200"/><a:ext cx="8229600" cy="914400"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
        '<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="fr-FR"/>'
        f"<a:t>{escape(text)}</a:t></a:r></a:p></p:txBody></p:sp>"
    )


def _edit_pptx(data: bytes, text: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        slides = sorted(
            (n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
            key=lambda n: int(re.findall(r"\d+", n)[-1]),
        )
        if not slides:
            data = _pptx_add_slide(archive)
            slides = ["ppt/slides/slide1.xml"]

    def transform(xml: str) -> str:
        ids = [int(n) for n in re.findall(r'<p:cNvPr[^>]*\sid="(\d+)"', xml)]
        return _insert_before(xml, ["</p:spTree>"], _pptx_shape(max(ids, default=1) + 1, text))

    return _rewrite_zip(data, {slides[0]: transform})


def _pptx_add_slide(archive: zipfile.ZipFile) -> bytes:
    """A blank presentation (python-pptx's default has none) gets one slide on its first layout."""
    names = archive.namelist()
    layouts = sorted(n for n in names if re.fullmatch(r"ppt/slideLayouts/slideLayout\d+\.xml", n))
    rels_name = "ppt/_rels/presentation.xml.rels"
    rels = archive.read(rels_name).decode()
    rid = "rIdSim1"
    rels = _insert_before(
        rels,
        ["</Relationships>"],
        f'<Relationship Id="{rid}" Target="slides/slide1.xml" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/slide"/>',
    )
    pres = archive.read("ppt/presentation.xml").decode()
    entry = f'<p:sldId id="256" r:id="{rid}"/>'
    if "<p:sldIdLst>" in pres:
        pres = pres.replace("<p:sldIdLst>", "<p:sldIdLst>" + entry, 1)
    elif "<p:sldIdLst/>" in pres:
        pres = pres.replace("<p:sldIdLst/>", f"<p:sldIdLst>{entry}</p:sldIdLst>", 1)
    else:
        pres = _insert_before(pres, ["<p:sldSz", "<p:notesSz"], f"<p:sldIdLst>{entry}</p:sldIdLst>")
    types = archive.read("[Content_Types].xml").decode()
    types = _insert_before(
        types,
        ["</Types>"],
        '<Override PartName="/ppt/slides/slide1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.presentationml.slide+xml"/>',
    )
    slide_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + (
            f'<Relationship Id="rId1" Target="../slideLayouts/{layouts[0].rsplit("/", 1)[1]}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slideLayout"/>'
            if layouts
            else ""
        )
        + "</Relationships>"
    )
    replaced = {rels_name: rels, "ppt/presentation.xml": pres, "[Content_Types].xml": types}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in archive.infolist():
            content = replaced[info.filename].encode() if info.filename in replaced else archive.read(info)
            dst.writestr(info, content, compress_type=info.compress_type)
        dst.writestr("ppt/slides/slide1.xml", _PPTX_SLIDE)
        dst.writestr("ppt/slides/_rels/slide1.xml.rels", slide_rels)
    return out.getvalue()


def _edit_odf(data: bytes, ext: str, text: str) -> bytes:
    t = escape(text)

    def transform(xml: str) -> str:
        if ext == "odt":
            return _insert_before(xml, ["</office:text>"], f"<text:p>{t}</text:p>")
        if ext == "ods":
            row = (
                '<table:table-row><table:table-cell office:value-type="string">'
                f"<text:p>{t}</text:p></table:table-cell></table:table-row>"
            )
            return _insert_before(xml, ["</table:table>"], row) if "</table:table>" in xml else xml
        frame = (
            '<draw:frame svg:width="20cm" svg:height="3cm" svg:x="2cm" svg:y="2cm">'
            f"<draw:text-box><text:p>{t}</text:p></draw:text-box></draw:frame>"
        )
        return _insert_before(xml, ["</draw:page>"], frame)

    return _rewrite_zip(data, {"content.xml": transform})


def edit_bytes(data: bytes, ext: str, text: str) -> bytes:
    """The file with `text` added as visible content, still a valid document of the same type."""
    ext = ext.lower()
    if ext in {"docx", "docm", "dotx"}:
        return _edit_docx(data, text)
    if ext in {"xlsx", "xlsm", "xltx"}:
        return _edit_xlsx(data, text)
    if ext in {"pptx", "pptm", "potx"}:
        return _edit_pptx(data, text)
    if ext in {"odt", "ods", "odp"}:
        return _edit_odf(data, ext, text)
    if ext == "pdf":
        # An incremental-update-style trailer comment: the file stays a valid PDF and carries the marker.
        return data.rstrip(b"\n") + b"\n% " + text.encode("utf-8") + b"\n%%EOF\n"
    return data + ("\n" + text + "\n").encode("utf-8")


def minimal_pdf(text: str = "Converti par le simulateur") -> bytes:
    from ged.samples import pdf_bytes

    return pdf_bytes([text])


def _converted(data: bytes, filetype: str, outputtype: str, title: str) -> bytes:
    text = f"Converti par le simulateur : {title}"
    if outputtype == filetype:
        return data
    if outputtype == "pdf":
        return minimal_pdf(text)
    try:
        from ged import samples

        builders = {
            "docx": lambda: samples.docx_bytes([text]),
            "odt": lambda: samples.odt_bytes([text]),
            "xlsx": lambda: samples.xlsx_bytes([[text]]),
        }
        if outputtype in builders:
            return builders[outputtype]()
    except ImportError:  # pragma: no cover - only outside the project
        pass
    return data


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2"'
)


def _odf(kind: str, body: str) -> bytes:
    mime = f"application/vnd.oasis.opendocument.{kind}"
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        f'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mime, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return out.getvalue()


def sample_file(ext: str, text: str = "Texte initial") -> bytes:
    """A small real office file of type `ext` containing `text` (what an agent would upload)."""
    from ged import samples

    t = escape(text)
    ext = ext.lower()
    if ext == "docx":
        return samples.docx_bytes([text])
    if ext == "xlsx":
        return samples.xlsx_bytes([[text]])
    if ext == "pdf":
        return samples.pdf_bytes([text])
    if ext == "odt":
        return samples.odt_bytes([text])
    if ext == "ods":
        cell = f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'
        return _odf(
            "spreadsheet",
            f'<office:spreadsheet><table:table table:name="Feuille1"><table:table-row>{cell}'
            "</table:table-row></table:table></office:spreadsheet>",
        )
    if ext == "odp":
        return _odf(
            "presentation",
            '<office:presentation><draw:page draw:name="page1"><draw:frame svg:width="20cm" svg:height="3cm" '
            f'svg:x="2cm" svg:y="2cm"><draw:text-box><text:p>{t}</text:p></draw:text-box></draw:frame>'
            "</draw:page></office:presentation>",
        )
    if ext == "pptx":
        from pptx import Presentation

        presentation = Presentation()
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = text
        out = io.BytesIO()
        presentation.save(out)
        return out.getvalue()
    if ext in {"txt", "csv"}:
        return text.encode("utf-8")
    raise ValueError(f"no sample for {ext!r}")


_BOMB_CACHE: dict[int, bytes] = {}


def zip_bomb(expanded_bytes: int) -> bytes:
    """A small docx-shaped zip whose main part inflates to `expanded_bytes` (computed once per size)."""
    if expanded_bytes not in _BOMB_CACHE:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
            with archive.open("word/document.xml", "w", force_zip64=True) as member:
                chunk = b" " * MIB
                left = expanded_bytes
                while left > 0:
                    member.write(chunk[: min(left, MIB)])
                    left -= MIB
        _BOMB_CACHE[expanded_bytes] = out.getvalue()
    return _BOMB_CACHE[expanded_bytes]


# ---------------------------------------------------------------------------------------------- results


@dataclass
class CallbackResult:
    status: int  # callback status sent
    http_status: int | None  # our app's answer (None: network error on every attempt)
    answer: dict | None  # parsed JSON answer, or None
    body: dict  # what was sent (the unsigned JSON fields)
    attempts: int = 1
    error: str = ""  # network error text, if any
    raw_answer: bytes = b""

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and isinstance(self.answer, dict) and self.answer.get("error") == 0

    def __repr__(self) -> str:
        # Short enough for pytest's assertion messages: no tokens, no history.
        return (
            f"CallbackResult(status={self.status}, http_status={self.http_status}, answer={self.answer!r}, "
            f"attempts={self.attempts}, key={self.body.get('key')!r}, url={self.body.get('url')!r}"
            + (f", error={self.error!r}" if self.error else "")
            + (f", raw_answer={self.raw_answer[:200]!r}" if self.answer is None and self.raw_answer else "")
            + ")"
        )


@dataclass
class OpenResult:
    ok: bool
    error: str = ""
    fetch_status: int | None = None
    key: str = ""
    mode: str = ""
    callbacks: list = field(default_factory=list)


@dataclass
class _StoredFile:
    data: bytes | None = None
    size: int = 0  # for lazily generated (oversized) files
    content_type: str = "application/octet-stream"
    slow: float = 0.0
    expires: float | None = None


@dataclass
class _Session:
    key: str
    config: dict  # the effective (token) config
    filetype: str
    title: str
    original: bytes
    content: bytes
    users: dict = field(default_factory=dict)  # user id -> {"id", "name", "mode", "callback_url"}
    callback_url: str = ""  # last user's callbackUrl (the DS calls the one of the user concerned)
    edited: bool = False  # changes in this session
    dirty: bool = False  # changes since the last (force)save
    changes: list = field(default_factory=list)  # history.changes since the last save
    last_editor: str = ""
    closed: bool = False


# -------------------------------------------------------------------------------------------- simulator


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class AttackerServer:
    """Any request it receives is a failure of the app under test: it only counts them."""

    def __init__(self):
        attacker = self
        self.hits = 0
        self.paths: list[str] = []
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def _hit(self):
                with attacker._lock:
                    attacker.hits += 1
                    attacker.paths.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = b"PK stolen"
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_HEAD = do_PUT = _hit

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def reset(self):
        with self._lock:
            self.hits = 0
            self.paths = []

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


class DocumentServerSimulator:
    def __init__(self, *, secret: str | None = None, header: str = "Authorization"):
        self._lock = threading.RLock()
        self._threads: list[threading.Thread] = []
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.attacker = AttackerServer()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        self.reset(secret=secret, header=header)

    # ----------------------------------------------------------------------------------- lifecycle

    def reset(self, secret: str | None = None, header: str = "Authorization") -> None:
        # A background callback stuck on a finished test's server must not break the next test.
        with contextlib.suppress(TimeoutError):
            self.wait_idle(timeout=10)
        with self._lock:
            alphabet = string.ascii_letters + string.digits
            self.secret = secret or "".join(secrets.choice(alphabet) for _ in range(48))
            self.header = header
            self.requests: list[dict] = []
            self.callbacks: list[CallbackResult] = []
            self.forgotten: list[dict] = []
            self.dropped: list[dict] = []
            self.commands: list[dict] = []
            self.retry_scale = 0.0
            self.close_delay = 0.0  # DS savetimeoutdelay + conversion, seconds
            self.callback_timeout = 30.0
            self.max_file_size = 100 * MIB  # what the DS accepts when fetching document.url
            self.oversize_bytes = 101 * MIB
            self.zip_bomb_bytes = 256 * MIB
            self.slow_seconds = 2.0  # per chunk, for misbehave="slow"
            self.internal_url: str | None = None  # for "internal_url"; default: the session's document.url
            self.file_ttl: float | None = None  # cache links expire after this many seconds (None: never)
            self.converter_error: int | None = None
            self.converter_polls: dict[str, int] = {}
            self.sessions: dict[str, _Session] = {}
            self._open_locks: dict[str, threading.Lock] = {}
            self.files: dict[str, _StoredFile] = {}
            self.redirects: dict[str, str] = {}
            self.attacker.reset()

    def stop(self) -> None:
        with contextlib.suppress(TimeoutError):
            self.wait_idle(timeout=10)
        self._server.shutdown()
        self._server.server_close()
        self.attacker.stop()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait for the callbacks the command service sends in the background (after answering)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = [t for t in self._threads if t.is_alive()]
                self._threads = threads
            if not threads:
                return
            for t in threads:
                t.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                raise TimeoutError("simulator callbacks still running")

    def _background(self, fn, *args, **kwargs) -> None:
        t = threading.Thread(target=fn, args=args, kwargs=kwargs, daemon=True)
        with self._lock:
            self._threads.append(t)
        t.start()

    # ------------------------------------------------------------------------------------- tokens

    def sign(self, payload: dict, *, ttl: int = 300) -> str:
        return jwt_encode({**payload, **_timestamps(ttl)}, self.secret)

    def verify_request(self, body: dict | None, headers) -> dict:
        """Token from the body, else the header (minus `Bearer `); `payload` wrapper unwrapped."""
        token = (body or {}).get("token") if isinstance(body, dict) else None
        if not token:
            value = headers.get(self.header) or ""
            token = value[7:] if value.startswith("Bearer ") else ""
        if not token:
            raise TokenError("no token")
        decoded = jwt_decode(token, self.secret)
        payload = decoded.get("payload", decoded)
        if not isinstance(payload, dict):
            raise TokenError("payload is not an object")
        return payload

    # ----------------------------------------------------------------------------------- files

    def _store(self, data: bytes | None, name: str, *, size: int = 0, slow: float = 0.0) -> str:
        file_id = secrets.token_urlsafe(24)
        expires = time.time() + self.file_ttl if self.file_ttl else None
        with self._lock:
            self.files[f"{file_id}/{name}"] = _StoredFile(
                data=data, size=size if data is None else len(data), slow=slow, expires=expires
            )
        return f"{self.url}/cache/files/{file_id}/{name}"

    def _changes_zip(self, session: _Session) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            changes = [
                {"created": c["created"], "user": c["user"], "change": f"edit {i}"}
                for i, c in enumerate(session.changes, start=1)
            ]
            archive.writestr("changes.json", json.dumps(changes, ensure_ascii=False))
        return out.getvalue()

    def _fetch(self, url: str, *, max_bytes: int | None = None) -> tuple[int | None, bytes, str]:
        """GET like the DS: header JWT {"payload": {"url": …}}, no redirects, size cap."""
        max_bytes = self.max_file_size if max_bytes is None else max_bytes
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            return None, b"", "bad url"
        conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(parts.hostname, parts.port, timeout=self.callback_timeout)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {self.header: "Bearer " + self.sign({"payload": {"url": url}})}
        with self._lock:
            self.requests.append({"direction": "out", "method": "GET", "url": url, "headers": headers})
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            if response.status != 200:
                response.read()
                return response.status, b"", f"HTTP {response.status}"
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                return response.status, b"", "too large"
            return response.status, data, ""
        except OSError as exc:
            return None, b"", str(exc)
        finally:
            conn.close()

    # ------------------------------------------------------------------------------------ open

    def _effective_config(self, config: dict) -> dict:
        token = config.get("token")
        if not token:
            raise TokenError("the config has no token")
        signed = jwt_decode(token, self.secret)
        signed = signed.get("payload", signed) if "document" not in signed else signed
        for path, required in (
            (("document", "key"), True),
            (("document", "url"), True),
            (("document", "permissions"), "permissions" in config.get("document", {})),
            (("editorConfig", "callbackUrl"), "callbackUrl" in config.get("editorConfig", {})),
            (
                ("editorConfig", "mode"),
                config.get("editorConfig", {}).get("mode", "edit") != "view",
            ),
        ):
            node = signed
            for part in path:
                node = node.get(part) if isinstance(node, dict) else None
            if required and node is None:
                raise TokenError("auth missing required parameter " + ".".join(path))

        def merge(plain, overriding):
            if isinstance(plain, dict) and isinstance(overriding, dict):
                merged = dict(plain)
                for k, v in overriding.items():
                    merged[k] = merge(plain.get(k), v)
                return merged
            return overriding

        effective = merge({k: v for k, v in config.items() if k != "token"}, signed)
        effective.pop("iat", None)
        effective.pop("exp", None)
        return effective

    def open(self, config: dict, user_id: str | None = None) -> OpenResult:
        """What the editor does when a page runs `new DocsAPI.DocEditor(id, config)`."""
        with self._lock:
            self.requests.append({"direction": "api", "method": "OPEN", "config": config, "user_id": user_id})
        if not isinstance(config, dict):
            return OpenResult(ok=False, error="config is not an object")
        try:
            effective = self._effective_config(config)
        except TokenError as exc:
            return OpenResult(ok=False, error=f"invalid token: {exc}")
        except (AttributeError, TypeError, ValueError):
            return OpenResult(ok=False, error="malformed config")
        document = effective.get("document")
        editor = effective.get("editorConfig") or {}
        if not isinstance(document, dict) or not isinstance(editor, dict):
            return OpenResult(ok=False, error="malformed config")
        key = str(document.get("key") or "")
        if not KEY_RE.fullmatch(key):
            return OpenResult(ok=False, error="invalid document.key")
        filetype = str(document.get("fileType") or "").lower()
        title = str(document.get("title") or "")
        if not filetype or not title or len(title) > 128:
            return OpenResult(ok=False, error="invalid document.fileType or document.title")
        doc_type = effective.get("documentType")
        if doc_type not in DOCUMENT_TYPES or filetype not in DOCUMENT_TYPES[doc_type]:
            return OpenResult(ok=False, error="documentType does not match fileType")
        mode = editor.get("mode", "edit")
        permissions = document.get("permissions") or {}
        if mode == "edit" and permissions.get("edit") is False:
            mode = "view"
        user = editor.get("user") or {}
        user_id = str(user_id if user_id is not None else user.get("id", ""))
        if not user_id:
            return OpenResult(ok=False, error="no user id")
        name = user.get("name", user_id) if str(user.get("id", "")) == user_id else user_id
        callback_url = editor.get("callbackUrl", "")

        with self._lock:
            key_lock = self._open_locks.setdefault(key, threading.Lock())
        with key_lock:  # two editors opening at once: one download, one session
            return self._open_session(key, effective, filetype, title, user_id, name, mode, callback_url)

    def _open_session(self, key, effective, filetype, title, user_id, name, mode, callback_url) -> OpenResult:
        document = effective.get("document") or {}
        with self._lock:
            session = self.sessions.get(key)
            if session is not None and session.closed:
                # A key the DS knows opens its cache (the last saved result), never document.url again:
                # an app that forgets to rotate keys after a save shows exactly this.
                session.closed = session.edited = session.dirty = False
                session.changes = []
        fetch_status = None
        if session is None:
            # A key the DS does not know: fetch document.url. A known key opens the DS cache instead.
            fetch_status, data, error = self._fetch(str(document.get("url")))
            if error:
                return OpenResult(ok=False, error=f"download failed: {error}", fetch_status=fetch_status)
            session = _Session(
                key=key, config=effective, filetype=filetype, title=title, original=data, content=data
            )
            with self._lock:
                self.sessions[key] = session
        with self._lock:
            session.users[user_id] = {"id": user_id, "name": name, "mode": mode, "callback_url": callback_url}
            if callback_url:
                session.callback_url = callback_url
        result = OpenResult(ok=True, fetch_status=fetch_status, key=key, mode=mode)
        if mode == "edit" and callback_url:
            result.callbacks.append(
                self._send(session, 1, user_id=user_id, extra={"actions": [{"type": 1, "userid": user_id}]})
            )
        return result

    # ------------------------------------------------------------------------------------ editing

    def _session(self, key: str) -> _Session:
        with self._lock:
            session = self.sessions.get(key)
        if session is None:
            raise KeyError(f"unknown key {key!r}")
        return session

    def edit(self, key: str, user_id: str, text: str = "Modifié dans le simulateur") -> bytes:
        session = self._session(key)
        user_id = str(user_id)
        with self._lock:
            user = session.users.get(user_id)
            if user is None or session.closed:
                raise KeyError(f"user {user_id!r} is not connected to {key!r}")
            if user["mode"] != "edit":
                raise PermissionError(f"user {user_id!r} opened {key!r} in view mode")
            session.content = edit_bytes(session.content, session.filetype, text)
            session.edited = session.dirty = True
            session.last_editor = user_id
            session.changes.append(
                {
                    "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    "user": {"id": user_id, "name": user["name"]},
                }
            )
            return session.content

    def forcesave(
        self, key: str, user_id: str, forcesavetype: int = 1, misbehave: str | None = None, userdata: str = ""
    ) -> CallbackResult:
        """The Save button (type 1), the command service (0) or the timer (2): status 6, editing goes on."""
        session = self._session(key)
        user_id = str(user_id)
        actions = [{"type": 2, "userid": user_id}] if forcesavetype == 1 else []
        results = self._send_save(
            session,
            7 if misbehave == "error_status" else 6,
            user_id=user_id,
            misbehave=misbehave,
            extra={"forcesavetype": forcesavetype, "userdata": userdata, "actions": actions},
        )
        return results[-1]

    def close(self, key: str, user_id: str, misbehave: str | None = None) -> list[CallbackResult]:
        """A user leaves: status 1 (action 0); the last one out triggers status 2 (edited) or 4."""
        session = self._session(key)
        user_id = str(user_id)
        with self._lock:
            user = session.users.pop(user_id, None)
            if user is None:
                raise KeyError(f"user {user_id!r} is not connected to {key!r}")
            last = not session.users
            if user.get("callback_url"):
                session.callback_url = user["callback_url"]
        results = []
        if user["mode"] == "edit":
            results.append(
                self._send(session, 1, user_id=user_id, extra={"actions": [{"type": 0, "userid": user_id}]})
            )
        if last:
            with self._lock:
                session.closed = True
            if self.close_delay:
                time.sleep(self.close_delay)
            if session.edited:
                results.extend(
                    self._send_save(
                        session,
                        3 if misbehave == "error_status" else 2,
                        user_id=session.last_editor or user_id,
                        misbehave=misbehave,
                        extra={
                            "actions": [{"type": 0, "userid": user_id}],
                            "lastsave": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                            "notmodified": not session.dirty,
                        },
                    )
                )
            else:
                results.append(self._send(session, 4, user_id=user_id, misbehave=misbehave))
        return results

    def callback(
        self, key: str, status: int, *, user_id: str, misbehave: str | None = None, **fields
    ) -> CallbackResult:
        """Send any raw callback for a known session (open, closed or rotated): the fields given replace
        the computed ones. Statuses 2, 3, 6, 7 get a fresh url/changesurl/history unless given."""
        session = self._session(key)
        user_id = str(user_id)
        if status in {2, 3, 6, 7}:
            return self._send_save(session, status, user_id=user_id, misbehave=misbehave, extra=fields)[-1]
        return self._send(session, status, user_id=user_id, misbehave=misbehave, extra=fields)

    # ------------------------------------------------------------------------------------ callbacks

    def _send_save(self, session, status, *, user_id, misbehave=None, extra=None) -> list[CallbackResult]:
        extra = dict(extra or {})
        with self._lock:
            content = session.content
            changes = list(session.changes)
            ext = session.filetype
            name = {"id": user_id, "name": session.users.get(user_id, {}).get("name", user_id)}
            for c in changes:
                if c["user"]["id"] == user_id:
                    name = c["user"]
        slow = self.slow_seconds if misbehave == "slow" else 0.0
        if misbehave == "oversized":
            url = self._store(None, f"output.{ext}", size=self.oversize_bytes)
        elif misbehave == "zip_bomb":
            url = self._store(zip_bomb(self.zip_bomb_bytes), f"output.{ext}")
        else:
            url = self._store(content, f"output.{ext}", slow=slow)
        changesurl = self._store(self._changes_zip(session), "changes.zip")
        if misbehave == "foreign_url":
            url = f"{self.attacker.url}/cache/files/{secrets.token_urlsafe(8)}/output.{ext}"
            changesurl = f"{self.attacker.url}/cache/files/{secrets.token_urlsafe(8)}/changes.zip"
        elif misbehave == "redirect_url":
            rid = secrets.token_urlsafe(16)
            with self._lock:
                self.redirects[rid] = f"{self.attacker.url}/stolen/output.{ext}"
            url = f"{self.url}/cache/files/{rid}/output.{ext}"
        elif misbehave == "internal_url":
            url = self.internal_url or session.config.get("document", {}).get("url", "")
        body = {
            "url": url,
            "changesurl": changesurl,
            "history": {
                "changes": changes or [{"created": _now_history(), "user": name}],
                "serverVersion": SERVER_VERSION,
            },
            "filetype": ext,
            "users": [user_id],
        }
        body.update(extra)
        if status in {2, 3}:
            body.setdefault("actions", [{"type": 0, "userid": user_id}])
            body.setdefault("notmodified", False)
        if misbehave == "disagree":
            body["url"] = f"{self.attacker.url}/cache/files/x/output.{ext}"
            body["changesurl"] = f"{self.attacker.url}/cache/files/x/changes.zip"
        if misbehave in {"duplicate", "duplicate_concurrent"}:
            concurrent = misbehave == "duplicate_concurrent"
            results = self._send_twice(session, status, user_id, body, concurrent=concurrent)
        else:
            results = [self._send(session, status, user_id=user_id, misbehave=misbehave, extra=body)]
        if status in {2, 6} and results[-1].ok:
            with self._lock:
                session.dirty = False
                session.changes = []
        return results

    def _send_twice(self, session, status, user_id, body, *, concurrent) -> list[CallbackResult]:
        if not concurrent:
            return [self._send(session, status, user_id=user_id, extra=body) for _ in range(2)]
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def run(i):
            barrier.wait()
            results[i] = self._send(session, status, user_id=user_id, extra=body)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def _send(self, session, status, *, user_id, misbehave=None, extra=None) -> CallbackResult:
        body: dict = {"key": session.key, "status": status}
        if status == 1:
            with self._lock:
                body["users"] = [u for u, info in session.users.items() if info["mode"] == "edit"]
        elif status != 4:
            body["users"] = [user_id]
        body.update(extra or {})
        if misbehave == "unknown_key":
            body["key"] = "sim-" + secrets.token_hex(16)
        return self.post_callback(session.callback_url, body, misbehave=misbehave)

    def post_callback(self, url: str, body: dict, *, misbehave: str | None = None) -> CallbackResult:
        """POST one callback like the DS (signed in body and header), with its retry policy."""
        if misbehave and misbehave not in MISBEHAVIOURS:
            raise ValueError(f"unknown misbehaviour {misbehave!r}")
        sent = dict(body)
        headers = {"Content-Type": "application/json"}
        body_token = self.sign(body)
        header_token = self.sign({"payload": body})
        if misbehave == "unsigned":
            body_token = header_token = None
        elif misbehave == "wrong_secret":
            other = secrets.token_urlsafe(36)
            body_token = jwt_encode({**body, **_timestamps()}, other)
            header_token = jwt_encode({"payload": body, **_timestamps()}, other)
        elif misbehave == "alg_none":
            body_token = jwt_encode({**body, **_timestamps()}, "", alg="none")
            header_token = jwt_encode({"payload": body, **_timestamps()}, "", alg="none")
        elif misbehave == "expired":
            past = {"iat": int(time.time()) - 3900, "exp": int(time.time()) - 3600}
            body_token = jwt_encode({**body, **past}, self.secret)
            header_token = jwt_encode({"payload": body, **past}, self.secret)
        elif misbehave == "disagree":
            # The header token says "closed without changes"; the unsigned body says "save this foreign url".
            body_token = None
            header_token = self.sign({"payload": {"key": body["key"], "status": 4}})
            sent["status"] = 2
        elif misbehave == "form_urlencoded":
            body_token = header_token = None
        if misbehave == "header_only":
            body_token = None
        if misbehave == "body_only":
            header_token = None
        if body_token:
            sent["token"] = body_token
        if header_token and len(header_token) > 7168 and misbehave is None:
            # Like the DS: an oversized header token loses changesurl and history (the body token keeps them).
            short = {k: v for k, v in body.items() if k not in {"changesurl", "history"}}
            header_token = self.sign({"payload": short})
        if header_token:
            headers[self.header] = "Bearer " + header_token
        if misbehave == "form_urlencoded":
            payload = urllib.parse.urlencode(
                {k: v if isinstance(v, str) else json.dumps(v) for k, v in sent.items()}
            ).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            payload = json.dumps(sent, ensure_ascii=False).encode("utf-8")
        result = self._post_with_retries(url, payload, headers, body.get("status"), sent)
        with self._lock:
            self.callbacks.append(result)
            if not result.ok and status_saves(body.get("status")):
                self.forgotten.append(
                    {
                        "key": body.get("key"),
                        "status": body.get("status"),
                        "url": body.get("url"),
                        "result": result,
                    }
                )
        return result

    def _post_with_retries(self, url, payload, headers, status, sent) -> CallbackResult:
        parts = urllib.parse.urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        attempts = 0
        delay = 1.0
        while True:
            attempts += 1
            http_status, raw, error = None, b"", ""
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.callback_timeout)
            try:
                conn.request("POST", path, body=payload, headers=headers)
                response = conn.getresponse()
                http_status, raw = response.status, response.read(MIB)
            except OSError as exc:
                error = str(exc) or exc.__class__.__name__
            finally:
                conn.close()
            retry = http_status is None or http_status == 429 or http_status >= 500
            if not retry or attempts > 3:
                break
            time.sleep(delay * self.retry_scale)
            delay *= 2
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = None
        return CallbackResult(
            status=sent.get("status", status),
            http_status=http_status,
            answer=answer if isinstance(answer, dict) else None,
            body=sent,
            attempts=attempts,
            error=error,
            raw_answer=raw,
        )

    # ------------------------------------------------------------------------------ command service

    def command(self, params: dict) -> dict:
        c = params.get("c")
        key = str(params.get("key") or "")
        with self._lock:
            self.commands.append(dict(params))
        if c == "version":
            return {"error": 0, "version": SERVER_VERSION + ".0"}
        if c == "license":
            return {"error": 0, "license": {"mode": 0}, "server": {"resultType": 3}, "quota": {}}
        if c == "getForgottenList":
            with self._lock:
                return {"error": 0, "keys": list(dict.fromkeys(f["key"] for f in self.forgotten))}
        if c in {"getForgotten", "deleteForgotten"}:
            # One forgotten file per key, the last one kept (the DS's storage keeps one result per document).
            with self._lock:
                entries = [f for f in self.forgotten if f["key"] == key]
                if not entries:
                    return {"error": 1, "key": key}
                if c == "deleteForgotten":
                    self.forgotten = [f for f in self.forgotten if f["key"] != key]
                    return {"error": 0, "key": key}
                return {"error": 0, "key": key, "url": entries[-1]["url"]}
        if c not in {"forcesave", "info", "drop", "meta"}:
            return {"error": 5}
        with self._lock:
            session = self.sessions.get(key)
        if session is None or session.closed:
            return {"error": 1, "key": key}
        if c == "forcesave":
            if not session.dirty:
                return {"error": 4, "key": key}
            user_id = session.last_editor or next(iter(session.users), "")
            self._background(
                self.forcesave, key, user_id, forcesavetype=0, userdata=str(params.get("userdata", ""))
            )
        elif c == "info":
            user_id = next(iter(session.users), "")
            extra = {"userdata": params.get("userdata")}
            self._background(self._send, session, 1, user_id=user_id, extra=extra)
        elif c == "drop":
            users = [str(u) for u in params.get("users") or []]
            with self._lock:
                self.dropped.append({"key": key, "users": users})
                targets = [u for u in users if u in session.users] if users else list(session.users)
            self._background(self._drop, key, targets)
        elif c == "meta":
            with self._lock:
                session.title = str((params.get("meta") or {}).get("title") or session.title)
        return {"error": 0, "key": key}

    def _drop(self, key, users):
        for user_id in users:
            with contextlib.suppress(KeyError):
                self.close(key, user_id)

    # ------------------------------------------------------------------------------ conversion

    def convert(self, params: dict) -> dict:
        key = str(params.get("key") or "")
        if self.converter_error is not None:
            return {"error": self.converter_error}
        for name in ("filetype", "key", "outputtype", "url"):
            if not params.get(name):
                return {"error": -7}
        filetype = str(params["filetype"]).lower()
        outputtype = str(params["outputtype"]).lower()
        if outputtype == "ooxml":
            outputtype = OOXML_OF.get(filetype, filetype)
        elif outputtype == "odf":
            outputtype = ODF_OF.get(filetype, filetype)
        cache_key = f"{key}:{outputtype}"
        with self._lock:
            polls = self.converter_polls.get(cache_key, 0)
            self.converter_polls[cache_key] = polls + 1
            done = self.files.get(f"convert/{cache_key}")
        if params.get("async") and polls == 0:
            return {"endConvert": False, "percent": 50}
        if done is None:
            status, data, error = self._fetch(str(params["url"]))
            if error:
                return {"error": -4}
            converted = _converted(data, filetype, outputtype, str(params.get("title") or key))
            url = self._store(converted, f"output.{outputtype}")
            with self._lock:
                self.files[f"convert/{cache_key}"] = _StoredFile(data=url.encode())
        else:
            url = done.data.decode()
        return {"endConvert": True, "fileType": outputtype, "fileUrl": url, "percent": 100}


def status_saves(status) -> bool:
    return status in {2, 3, 6, 7}


def _now_history() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


# ------------------------------------------------------------------------------------------ HTTP side

API_JS = r"""/* ONLYOFFICE Docs API stand-in served by the test simulator. */
(function () {
  "use strict";
  var SIM = "__SIM_URL__";
  window.__docsapi_configs = window.__docsapi_configs || [];
  window.__docsapi_results = window.__docsapi_results || [];
  window.__docsapi_history = window.__docsapi_history || [];
  window.__docsapi_history_data = window.__docsapi_history_data || [];
  window.__docsapi_editors = window.__docsapi_editors || [];

  function DocEditor(id, config) {
    var self = this;
    var events = (config && config.events) || {};
    var doc = (config && config.document) || {};
    var editorConfig = (config && config.editorConfig) || {};
    var user = editorConfig.user || {};
    window.__docsapi_configs.push(config);
    window.__docsapi_editors.push(self);
    self.config = config;

    var host = document.getElementById(id);
    var frame = null;
    if (host) {
      frame = document.createElement("div");
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", "Éditeur en ligne (simulateur)");
      frame.setAttribute("data-docsapi-simulator", "");
      frame.setAttribute("data-sim-status", "loading");
      var p = document.createElement("p");
      p.textContent = "Document « " + (doc.title || "") + " » ouvert en mode " +
        (editorConfig.mode === "view" ? "lecture" : "édition") + ".";
      frame.appendChild(p);
      host.innerHTML = "";
      host.appendChild(frame);
    }

    fetch(SIM + "/sim/open", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({config: config, user_id: user.id})
    }).then(function (response) { return response.json(); }).then(function (result) {
      window.__docsapi_results.push(result);
      if (frame) { frame.setAttribute("data-sim-status", result.ok ? "open" : "error"); }
      if (result.ok) {
        if (events.onAppReady) { events.onAppReady({}); }
        if (events.onDocumentReady) { events.onDocumentReady({}); }
      } else if (events.onError) {
        events.onError({data: {errorCode: -20, errorDescription: result.error}});
      }
    }).catch(function (error) {
      window.__docsapi_results.push({ok: false, error: String(error)});
      if (frame) { frame.setAttribute("data-sim-status", "error"); }
    });

    self.refreshHistory = function (history) { window.__docsapi_history.push(history); };
    self.setHistoryData = function (data) { window.__docsapi_history_data.push(data); };
    self.destroyEditor = function () { if (host) { host.innerHTML = ""; } };
    self.requestClose = function () {};
    self.downloadAs = function () {};
    self.showMessage = function () {};
    self.setActionLink = function () {};
    self.setSharingSettings = function () {};
    self.setUsers = function () {};
    self.insertImage = function () {};
  }
  DocEditor.version = function () { return "__VERSION__"; };
  window.DocsAPI = {DocEditor: DocEditor};
})();
"""

LEGACY_COMMAND = "/coauthoring/CommandService.ashx"


def _make_handler(sim: DocumentServerSimulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _log(self, body: bytes = b""):
            with sim._lock:
                sim.requests.append(
                    {
                        "direction": "in",
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": body[:65536],
                    }
                )

        def _cors(self):
            origin = self.headers.get("Origin")
            self.send_header("Access-Control-Allow-Origin", origin or "*")
            self.send_header("Vary", "Origin")

        def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self._cors()
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: dict):
            self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json")

        def _read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_OPTIONS(self):
            self._log()
            self.send_response(204)
            self._cors()
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header(
                "Access-Control-Allow-Headers",
                self.headers.get("Access-Control-Request-Headers") or "Content-Type",
            )
            self.send_header("Access-Control-Max-Age", "600")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            self._log()
            path = urllib.parse.urlsplit(self.path).path
            if path == "/web-apps/apps/api/documents/api.js":
                js = API_JS.replace("__SIM_URL__", sim.url).replace("__VERSION__", SERVER_VERSION)
                return self._send(200, js.encode(), "application/javascript; charset=utf-8")
            if path in {"/healthcheck", "/healthcheck/"}:
                return self._send(200, b"true", "text/plain")
            match = re.fullmatch(r"/cache/files/([A-Za-z0-9_-]+)/([A-Za-z0-9_.-]+)", path)
            if match:
                rid = match.group(1)
                with sim._lock:
                    target = sim.redirects.get(rid)
                    stored = sim.files.get(f"{rid}/{match.group(2)}")
                if target:
                    return self._send(302, b"", "text/plain", {"Location": target})
                if stored is None or (stored.expires and time.time() > stored.expires):
                    return self._send(404, b"", "text/plain")
                return self._serve_file(stored)
            return self._send(404, b"", "text/plain")

        def _serve_file(self, stored: _StoredFile):
            self.send_response(200)
            self.send_header("Content-Type", stored.content_type)
            self.send_header("Content-Length", str(stored.size))
            self._cors()
            self.end_headers()
            if self.command == "HEAD":
                return
            try:
                if stored.data is not None:
                    view = memoryview(stored.data)
                    for i in range(0, len(view), 64 * 1024):
                        if stored.slow:
                            time.sleep(stored.slow)
                        self.wfile.write(view[i : i + 64 * 1024])
                    return
                chunk = b"\0" * MIB  # oversized: generated on the fly, never held whole in memory
                left = stored.size
                while left > 0:
                    self.wfile.write(chunk[: min(left, MIB)])
                    left -= MIB
            except OSError:
                pass  # the client gave up (size cap): expected

        def do_POST(self):
            raw = self._read_body()
            self._log(raw)
            path = urllib.parse.urlsplit(self.path).path
            content_type = self.headers.get("Content-Type", "")
            try:
                data = json.loads(raw) if raw and "json" in content_type else None
            except ValueError:
                data = None
            if path.startswith("/sim/"):
                return self._sim(path[5:], data)
            if path in {"/command", LEGACY_COMMAND, "/command/"}:
                if not isinstance(data, dict):
                    return self._json(200, {"error": 5})
                try:
                    params = sim.verify_request(data, self.headers)
                except TokenExpired:
                    return self._json(200, {"error": 7})
                except TokenError:
                    return self._json(200, {"error": 6})
                return self._json(200, sim.command(params))
            if path in {"/converter", "/ConvertService.ashx", "/converter/"}:
                return self._convert(path, data)
            return self._send(404, b"", "text/plain")

        def _convert(self, path, data):
            legacy_xml = path == "/ConvertService.ashx" and "json" not in self.headers.get("Accept", "")
            if not isinstance(data, dict):
                answer = {"error": -8}
            else:
                try:
                    params = sim.verify_request(data, self.headers)
                except TokenError:
                    answer = {"error": -8}
                else:
                    answer = sim.convert(params)
            if not legacy_xml:
                return self._json(200, answer)
            if "error" in answer:
                xml = f"<FileResult><Error>{answer['error']}</Error></FileResult>"
            else:
                xml = (
                    f"<FileResult><FileUrl>{escape(answer.get('fileUrl', ''))}</FileUrl>"
                    f"<FileType>{answer.get('fileType', '')}</FileType><Percent>{answer['percent']}</Percent>"
                    f"<EndConvert>{'True' if answer['endConvert'] else 'False'}</EndConvert></FileResult>"
                )
            body = ('<?xml version="1.0" encoding="utf-8"?>' + xml).encode()
            return self._send(200, body, "application/xml")

        def _sim(self, action, data):
            if not isinstance(data, dict):
                return self._json(400, {"ok": False, "error": "JSON object expected"})
            try:
                if action == "open":
                    result = sim.open(data.get("config"), data.get("user_id"))
                    status = 200 if result.ok else 403
                    return self._json(
                        status,
                        {
                            "ok": result.ok,
                            "error": result.error,
                            "key": result.key,
                            "mode": result.mode,
                            "fetch_status": result.fetch_status,
                        },
                    )
                key, user_id = str(data.get("key", "")), str(data.get("user_id") or data.get("user") or "")
                if action == "edit":
                    sim.edit(key, user_id, data.get("text") or "Modifié dans le simulateur")
                    return self._json(200, {"ok": True})
                if action == "forcesave":
                    r = sim.forcesave(key, user_id, int(data.get("type", data.get("forcesavetype", 1))))
                    return self._json(200, {"ok": r.ok, "callbacks": [_result_json(r)]})
                if action == "close":
                    rs = sim.close(key, user_id)
                    callbacks = [_result_json(r) for r in rs]
                    return self._json(200, {"ok": all(r.ok for r in rs), "callbacks": callbacks})
            except (KeyError, PermissionError, ValueError, TypeError) as exc:
                return self._json(400, {"ok": False, "error": str(exc)})
            return self._json(404, {"ok": False, "error": "unknown action"})

    return Handler


def _result_json(result: CallbackResult) -> dict:
    return {"status": result.status, "http_status": result.http_status, "answer": result.answer}
