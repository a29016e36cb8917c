"""The Document Server simulator speaks the protocol of onlyoffice.md §3-§6 and §9.

Driven against stand-ins started here (a document server that checks the DS header JWT, a callback receiver
that verifies both tokens with PyJWT), so these tests need nothing from the app's OnlyOffice code."""

import contextlib
import http.client
import io
import json
import shutil
import subprocess
import threading
import time
import urllib.parse
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from .simulator import MIB, edit_bytes, jwt_decode, jwt_encode, sample_file

# --------------------------------------------------------------------------------------------- stand-ins


class StandInApp:
    """What the intranet looks like to the DS: a signed document URL and a callback URL."""

    def __init__(self, sim):
        self.sim = sim
        self.docs: dict[str, bytes] = {}
        self.doc_requests: list[dict] = []
        self.callbacks: list[dict] = []
        self.answers: list[tuple[int, bytes]] = []  # scripted answers to saving callbacks (2, 3, 6, 7)
        self.delay = 0.0
        self.inflight = self.max_inflight = 0
        self._lock = threading.Lock()
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body, content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                value = self.headers.get(app.sim.header, "")
                entry = {"path": self.path, "header": value, "url_ok": False}
                app.doc_requests.append(entry)
                try:
                    decoded = jwt.decode(value.removeprefix("Bearer "), app.sim.secret, algorithms=["HS256"])
                except jwt.PyJWTError:
                    return self._answer(403, b"{}")
                entry["url_ok"] = decoded["payload"]["url"] == app.url + self.path
                name = self.path.rsplit("/", 1)[-1]
                if not entry["url_ok"] or name not in app.docs:
                    return self._answer(403, b"{}")
                return self._answer(200, app.docs[name], "application/octet-stream")

            def do_POST(self):
                with app._lock:
                    app.inflight += 1
                    app.max_inflight = max(app.max_inflight, app.inflight)
                try:
                    answer = self._callback_answer()
                finally:
                    # Out of flight before the answer leaves: the sender's next callback, sent once it has
                    # this answer, must not find this one still counted (a busy machine may pause this
                    # thread between writing the answer and counting it done).
                    with app._lock:
                        app.inflight -= 1
                self._answer(*answer)

            def _callback_answer(self) -> tuple:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = {
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type", ""),
                    "header": self.headers.get(app.sim.header),
                    "raw": raw,
                    "body": None,
                    "body_payload": None,
                    "header_payload": None,
                }
                with contextlib.suppress(ValueError):
                    record["body"] = json.loads(raw)
                token = (record["body"] or {}).get("token") if isinstance(record["body"], dict) else None
                try:
                    if token:
                        record["body_payload"] = jwt.decode(token, app.sim.secret, algorithms=["HS256"])
                    if record["header"]:
                        record["header_payload"] = jwt.decode(
                            record["header"].removeprefix("Bearer "), app.sim.secret, algorithms=["HS256"]
                        )["payload"]
                except jwt.PyJWTError as exc:
                    record["error"] = str(exc)
                with app._lock:
                    app.callbacks.append(record)
                    saving = isinstance(record["body"], dict) and record["body"].get("status") in {
                        2,
                        3,
                        6,
                        7,
                    }
                    scripted = app.answers.pop(0) if app.answers and saving else None
                time.sleep(app.delay)
                if scripted:
                    return scripted
                if record.get("error") or not (record["body_payload"] or record["header_payload"]):
                    return 403, b'{"error":1}'
                return 200, b'{"error":0}'

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval: shutdown() waits for it, once per test.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def config(self, *, ext="docx", user="u1", name="Éva Éditrice", mode="edit", key=None, sign=True, **over):
        name_in_store = f"{uuid.uuid4().hex}.{ext}"
        self.docs[name_in_store] = sample_file(ext, "Texte initial")
        doc_type = {"xlsx": "cell", "ods": "cell", "pptx": "slide", "odp": "slide", "pdf": "pdf"}.get(
            ext, "word"
        )
        config = {
            "documentType": doc_type,
            "document": {
                "fileType": ext,
                "key": key or f"test-{uuid.uuid4().hex}",
                "title": f"Rapport.{ext}",
                "url": f"{self.url}/doc/{name_in_store}",
                "permissions": {"edit": mode == "edit", "download": True},
            },
            "editorConfig": {
                "callbackUrl": f"{self.url}/callback/1",
                "mode": mode,
                "lang": "fr",
                "user": {"id": user, "name": name},
                "customization": {"forcesave": True},
            },
        }
        config.update(over)
        if sign:
            config["token"] = jwt.encode(config, self.sim.secret, algorithm="HS256")
        return config


@pytest.fixture
def app(ds_sim):
    stand_in = StandInApp(ds_sim)
    yield stand_in
    ds_sim.wait_idle()
    stand_in.stop()


def http_get(url, headers=None, method="GET"):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read() if method != "HEAD" else b""
    finally:
        conn.close()


def http_post(url, data, headers=None, method="POST"):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = data if isinstance(data, bytes) or data is None else json.dumps(data).encode()
    try:
        conn.request(
            method, parts.path, body=body, headers={"Content-Type": "application/json", **(headers or {})}
        )
        response = conn.getresponse()
        raw = response.read()
        return response.status, dict(response.getheaders()), raw
    finally:
        conn.close()


def open_editing(ds_sim, app, **kw):
    config = app.config(**kw)
    result = ds_sim.open(config, config["editorConfig"]["user"]["id"])
    assert result.ok, result.error
    return config["document"]["key"], config


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode()


# ------------------------------------------------------------------------------------------------ open


def test_open_fetches_the_document_with_the_header_jwt_then_sends_status_1(ds_sim, app):
    """The DS GETs document.url with Bearer JWT({"payload": {"url": …}}) and announces the editor."""
    config = app.config()
    result = ds_sim.open(config, "u1")
    assert result.ok and result.fetch_status == 200 and result.mode == "edit"
    [fetch] = app.doc_requests
    assert fetch["url_ok"]
    [callback] = app.callbacks
    assert callback["body_payload"]["status"] == 1
    assert callback["body_payload"]["key"] == config["document"]["key"]
    assert callback["body_payload"]["users"] == ["u1"]
    assert callback["body_payload"]["actions"] == [{"type": 1, "userid": "u1"}]


def test_second_editor_opens_the_ds_cache_not_the_url(ds_sim, app):
    key, config = open_editing(ds_sim, app)
    second = dict(config, editorConfig=dict(config["editorConfig"], user={"id": "u2", "name": "Cédric"}))
    second["token"] = jwt.encode({k: v for k, v in second.items() if k != "token"}, ds_sim.secret)
    assert ds_sim.open(second, "u2").ok
    assert len(app.doc_requests) == 1
    assert app.callbacks[-1]["body_payload"]["users"] == ["u1", "u2"]


@pytest.mark.parametrize(
    "breakage",
    ["unsigned", "wrong_secret", "alg_none", "missing_key_in_token", "bad_key_charset", "key_too_long"],
)
def test_open_refuses_configs_the_ds_would_refuse(ds_sim, app, breakage):
    """Token present, HS256 with the secret, signed required fields, key charset and length."""
    config = app.config(sign=False, key="bad/key+" if breakage == "bad_key_charset" else None)
    if breakage == "key_too_long":
        config["document"]["key"] = "k" * 129
    plain = dict(config)
    if breakage == "wrong_secret":
        config["token"] = jwt.encode(plain, "x" * 48)
    elif breakage == "alg_none":
        config["token"] = jwt_encode(plain, "", alg="none")
    elif breakage == "missing_key_in_token":
        signed = json.loads(json.dumps(plain))
        del signed["document"]["key"]
        config["token"] = jwt.encode(signed, ds_sim.secret)
    elif breakage != "unsigned":
        config["token"] = jwt.encode(plain, ds_sim.secret)
    result = ds_sim.open(config, "u1")
    assert not result.ok and result.error
    assert app.doc_requests == [] and app.callbacks == []
    # The same config, correctly signed with a valid key, opens.
    assert ds_sim.open(app.config(), "u1").ok


def test_malformed_configs_are_refused_not_crashed(ds_sim, app):
    for config in (
        None,
        {"token": "a.b.c"},
        {"document": "x", "token": jwt.encode({"document": "x"}, "k" * 40)},
    ):
        assert not ds_sim.open(config, "u1").ok
    signed = {"document": "x", "editorConfig": 3}
    assert not ds_sim.open(dict(signed, token=jwt.encode(signed, ds_sim.secret)), "u1").ok
    status, _headers, _raw = http_post(ds_sim.url + "/sim/open", {"config": [1, 2]})
    assert status == 403


def test_a_huge_header_token_loses_changesurl_and_history(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    result = ds_sim.callback(key, 2, user_id="u1", userdata="x" * 8000)
    assert result.ok
    record = app.callbacks[-1]
    assert "changesurl" in record["body_payload"] and "history" in record["body_payload"]
    assert "changesurl" not in record["header_payload"] and "history" not in record["header_payload"]


def test_values_inside_the_token_override_the_plain_config(ds_sim, app):
    config = app.config()
    config["document"]["url"] = f"{ds_sim.attacker.url}/stolen"
    assert ds_sim.open(config, "u1").ok
    assert ds_sim.attacker.hits == 0 and len(app.doc_requests) == 1


def test_view_mode_sends_no_callback_and_cannot_edit(ds_sim, app):
    config = app.config(mode="view")
    result = ds_sim.open(config, "u1")
    assert result.ok and result.mode == "view"
    assert app.callbacks == []
    with pytest.raises(PermissionError):
        ds_sim.edit(config["document"]["key"], "u1", "interdit")


def test_open_reports_a_refused_download(ds_sim, app):
    config = app.config()
    app.docs.clear()
    result = ds_sim.open(config, "u1")
    assert not result.ok and result.fetch_status == 403


# --------------------------------------------------------------------------------------- edit and save


@pytest.mark.parametrize("ext", ["docx", "xlsx", "pptx", "odt", "ods", "odp", "pdf"])
def test_edit_keeps_a_valid_document_containing_the_marker(ext):
    edited = edit_bytes(sample_file(ext, "Texte initial"), ext, "MARQUEUR-42 « é »")
    if ext == "pdf":
        assert edited.startswith(b"%PDF") and "MARQUEUR-42 « é »".encode() in edited
        return
    with zipfile.ZipFile(io.BytesIO(edited)) as archive:
        assert archive.testzip() is None
        xml = "".join(
            archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".xml")
        )
        if ext.startswith("od"):
            assert archive.infolist()[0].filename == "mimetype"
            assert archive.infolist()[0].compress_type == zipfile.ZIP_STORED
    assert "MARQUEUR-42 « é »" in xml and "Texte initial" in xml
    if ext == "docx":
        import docx

        assert "MARQUEUR-42 « é »" in [p.text for p in docx.Document(io.BytesIO(edited)).paragraphs]
    elif ext == "xlsx":
        import openpyxl

        values = [
            c.value for row in openpyxl.load_workbook(io.BytesIO(edited)).active.iter_rows() for c in row
        ]
        assert "MARQUEUR-42 « é »" in values
    elif ext == "pptx":
        import pptx

        texts = [
            s.text_frame.text
            for s in pptx.Presentation(io.BytesIO(edited)).slides[0].shapes
            if s.has_text_frame
        ]
        assert "MARQUEUR-42 « é »" in texts


def test_edit_adds_a_slide_to_an_empty_presentation():
    import pptx

    out = io.BytesIO()
    pptx.Presentation().save(out)
    edited = pptx.Presentation(io.BytesIO(edit_bytes(out.getvalue(), "pptx", "Nouvelle diapositive")))
    assert [s.text_frame.text for s in edited.slides[0].shapes if s.has_text_frame] == [
        "Nouvelle diapositive"
    ]


def test_two_editors_then_close_sends_1_1_then_2_with_the_edited_file(ds_sim, app):
    """Realistic order: connect, connect, disconnect, disconnect + status 2 for the last editor."""
    key, config = open_editing(ds_sim, app, user="u1")
    second = app.config(user="u2", name="Cédric", key=key)
    assert ds_sim.open(second, "u2").ok
    ds_sim.edit(key, "u2", "Ajout de Cédric")
    assert [r.status for r in ds_sim.close(key, "u1")] == [1]
    results = ds_sim.close(key, "u2")
    assert [r.status for r in results] == [1, 2] and all(r.ok for r in results)
    statuses = [c["body_payload"]["status"] for c in app.callbacks]
    assert statuses == [1, 1, 1, 1, 2]
    payload = app.callbacks[-1]["body_payload"]
    assert payload["users"] == ["u2"] and payload["filetype"] == "docx" and payload["notmodified"] is False
    assert payload["history"]["serverVersion"] and payload["lastsave"].endswith("Z")
    assert payload["history"]["changes"][0]["user"] == {"id": "u2", "name": "Cédric"}
    assert payload["actions"] == [{"type": 0, "userid": "u2"}]
    assert payload["url"].startswith(f"{ds_sim.url}/cache/files/") and payload["url"].endswith("/output.docx")
    status, _headers, data = http_get(payload["url"])
    assert status == 200 and "Ajout de Cédric" in docx_text(data)
    status, _headers, changes = http_get(payload["changesurl"])
    with zipfile.ZipFile(io.BytesIO(changes)) as archive:
        assert json.loads(archive.read("changes.json"))[0]["user"]["id"] == "u2"
    # Cache ids are unguessable: a near miss is a 404.
    assert http_get(payload["url"].replace("/output", "x/output"))[0] == 404


def test_a_known_key_reopens_the_ds_cache(ds_sim, app):
    """Reusing a key after a save opens the saved result, not document.url (why keys must rotate)."""
    key, config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1", "Déjà enregistré")
    ds_sim.close(key, "u1")
    again = ds_sim.open(config, "u1")
    assert again.ok and again.fetch_status is None and len(app.doc_requests) == 1
    ds_sim.close(key, "u1")
    assert app.callbacks[-1]["body_payload"]["status"] == 4


@pytest.mark.parametrize("ext", ["docx", "xlsx"])
def test_edit_blank_documents_made_by_the_python_libraries(ext):
    out = io.BytesIO()
    if ext == "docx":
        import docx

        docx.Document().save(out)
        edited = docx.Document(io.BytesIO(edit_bytes(out.getvalue(), ext, "Premier mot")))
        assert edited.paragraphs[-1].text == "Premier mot"
    else:
        import openpyxl

        openpyxl.Workbook().save(out)
        sheet = openpyxl.load_workbook(io.BytesIO(edit_bytes(out.getvalue(), ext, "Première cellule"))).active
        assert [c.value for row in sheet.iter_rows() for c in row] == ["Première cellule"]


def test_close_without_changes_sends_status_4(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    assert [r.status for r in ds_sim.close(key, "u1")] == [1, 4]
    assert set(app.callbacks[-1]["body_payload"]) >= {"key", "status"}


def test_forcesave_sends_status_6_and_editing_goes_on(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1", "Première modification")
    result = ds_sim.forcesave(key, "u1", userdata="note")
    assert result.status == 6 and result.ok
    payload = app.callbacks[-1]["body_payload"]
    assert payload["forcesavetype"] == 1 and payload["userdata"] == "note"
    assert payload["actions"] == [{"type": 2, "userid": "u1"}]
    assert {"url", "changesurl", "history", "filetype", "users"} <= set(payload)
    ds_sim.edit(key, "u1", "Seconde modification")
    results = ds_sim.close(key, "u1")
    assert [r.status for r in results] == [1, 2]
    data = http_get(app.callbacks[-1]["body_payload"]["url"])[2]
    assert "Première modification" in docx_text(data) and "Seconde modification" in docx_text(data)


def test_callbacks_are_signed_in_the_body_and_in_the_header(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    ds_sim.close(key, "u1")
    for record in app.callbacks:
        unsigned = {k: v for k, v in record["body"].items() if k != "token"}
        body_payload = {k: v for k, v in record["body_payload"].items() if k not in {"iat", "exp"}}
        assert body_payload == unsigned == record["header_payload"]
        assert record["content_type"] == "application/json"
        assert record["body_payload"]["exp"] - time.time() <= 300


def test_custom_header_name(ds_sim, app):
    ds_sim.reset(header="AuthorizationJwt")
    key, _config = open_editing(ds_sim, app)
    assert app.doc_requests[0]["header"].startswith("Bearer ")
    assert app.callbacks[0]["header_payload"]["key"] == key
    assert ds_sim.header == "AuthorizationJwt"


def test_raw_callback_on_a_closed_session(ds_sim, app):
    """Stale keys: a test can replay statuses on a session that already ended (status 6 after 2)."""
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    ds_sim.close(key, "u1")
    result = ds_sim.callback(key, 6, user_id="u1", forcesavetype=0)
    assert result.status == 6 and app.callbacks[-1]["body_payload"]["forcesavetype"] == 0
    result = ds_sim.callback(key, 4, user_id="u1")
    assert result.body["status"] == 4 and result.ok


# ------------------------------------------------------------------------------------------- misbehaviour


def _closed_with(ds_sim, app, misbehave):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1", "Marqueur")
    results = ds_sim.close(key, "u1", misbehave=misbehave)
    return key, results, app.callbacks[1:]


@pytest.mark.parametrize("misbehave", ["unsigned", "wrong_secret", "alg_none", "expired"])
def test_bad_tokens(ds_sim, app, misbehave):
    _key, _results, received = _closed_with(ds_sim, app, misbehave)
    record = received[-1]
    assert record["body"]["status"] == 2
    assert record["body_payload"] is None and record["header_payload"] is None
    if misbehave == "unsigned":
        assert "token" not in record["body"] and record["header"] is None
    else:
        token = record["body"]["token"]
        assert record["error"]
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert header["alg"] == ("none" if misbehave == "alg_none" else "HS256")
        if misbehave == "expired":
            assert claims["exp"] < time.time() - 60
    assert ds_sim.forgotten and ds_sim.forgotten[-1]["status"] == 2  # our stand-in answered 403


@pytest.mark.parametrize("misbehave", ["header_only", "body_only"])
def test_single_token_placement(ds_sim, app, misbehave):
    _key, results, received = _closed_with(ds_sim, app, misbehave)
    record = received[-1]
    assert results[-1].ok
    if misbehave == "header_only":
        assert "token" not in record["body"] and record["header_payload"]["status"] == 2
    else:
        assert record["header"] is None and record["body_payload"]["status"] == 2


def test_disagree_body_says_save_foreign_url_token_says_closed(ds_sim, app):
    _key, _results, received = _closed_with(ds_sim, app, "disagree")
    record = received[-1]
    assert record["body"]["status"] == 2 and record["body"]["url"].startswith(ds_sim.attacker.url)
    assert "token" not in record["body"]
    assert record["header_payload"]["status"] == 4 and "url" not in record["header_payload"]


def test_unknown_key_is_signed_but_foreign(ds_sim, app):
    key, _results, received = _closed_with(ds_sim, app, "unknown_key")
    assert received[-1]["body_payload"]["key"] != key


def test_foreign_redirect_and_internal_urls(ds_sim, app):
    _key, _r, received = _closed_with(ds_sim, app, "foreign_url")
    url = received[-1]["body_payload"]["url"]
    assert url.startswith(ds_sim.attacker.url + "/")
    assert received[-1]["body_payload"]["changesurl"].startswith(ds_sim.attacker.url + "/")
    assert ds_sim.attacker.hits == 0
    http_get(url)
    assert ds_sim.attacker.hits == 1  # the attacker counts what reaches it

    _key, _r, received = _closed_with(ds_sim, app, "redirect_url")
    url = received[-1]["body_payload"]["url"]
    assert url.startswith(ds_sim.url + "/cache/files/")
    status, headers, _ = http_get(url)
    assert status == 302 and headers["Location"].startswith(ds_sim.attacker.url)

    key, config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    ds_sim.close(key, "u1", misbehave="internal_url")
    assert app.callbacks[-1]["body_payload"]["url"] == config["document"]["url"]
    ds_sim.internal_url = app.url + "/admin/"
    ds_sim.callback(key, 2, user_id="u1", misbehave="internal_url")
    assert app.callbacks[-1]["body_payload"]["url"] == app.url + "/admin/"


@pytest.mark.parametrize("misbehave", ["duplicate", "duplicate_concurrent"])
def test_duplicates(ds_sim, app, misbehave):
    app.delay = 0.3
    _key, results, received = _closed_with(ds_sim, app, misbehave)
    assert [r.status for r in results] == [1, 2, 2]
    first, second = received[-2:]
    assert first["body_payload"]["url"] == second["body_payload"]["url"]
    assert app.max_inflight == (2 if misbehave == "duplicate_concurrent" else 1)


def test_oversized_file_is_served_lazily(ds_sim, app):
    _key, _r, received = _closed_with(ds_sim, app, "oversized")
    url = received[-1]["body_payload"]["url"]
    status, headers, _ = http_get(url, method="HEAD")
    assert status == 200 and int(headers["Content-Length"]) == 101 * MIB
    ds_sim.oversize_bytes = 3 * MIB
    _key, _r, received = _closed_with(ds_sim, app, "oversized")
    status, _headers, data = http_get(received[-1]["body_payload"]["url"])
    assert len(data) == 3 * MIB


def test_zip_bomb(ds_sim, app):
    ds_sim.zip_bomb_bytes = 64 * MIB
    _key, _r, received = _closed_with(ds_sim, app, "zip_bomb")
    _status, _headers, data = http_get(received[-1]["body_payload"]["url"])
    assert len(data) < MIB
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(i.file_size for i in archive.infolist()) >= 64 * MIB


def test_form_urlencoded_body(ds_sim, app):
    _key, _r, received = _closed_with(ds_sim, app, "form_urlencoded")
    record = received[-1]
    assert record["content_type"] == "application/x-www-form-urlencoded"
    fields = urllib.parse.parse_qs(record["raw"].decode())
    assert fields["status"] == ["2"] and "token" not in fields and record["header"] is None


def test_error_statuses(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    assert ds_sim.forcesave(key, "u1", misbehave="error_status").status == 7
    assert [r.status for r in ds_sim.close(key, "u1", misbehave="error_status")] == [1, 3]
    assert app.callbacks[-1]["body_payload"]["url"]


def test_slow_file(ds_sim, app):
    ds_sim.slow_seconds = 0.2
    _key, _r, received = _closed_with(ds_sim, app, "slow")
    started = time.monotonic()
    http_get(received[-1]["body_payload"]["url"])
    assert time.monotonic() - started >= 0.2


def test_unknown_misbehaviour_is_a_programming_error(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    with pytest.raises(ValueError):
        ds_sim.callback(key, 4, user_id="u1", misbehave="typo")


# ------------------------------------------------------------------------------------------------ retries


def test_retries_5xx_and_429_then_succeeds(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    app.answers = [(500, b"{}"), (429, b"{}"), (503, b"{}")]
    result = ds_sim.close(key, "u1")[-1]
    assert result.ok and result.attempts == 4 and ds_sim.forgotten == []


def test_exhausted_retries_make_a_forgotten_file(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    app.answers = [(500, b"{}")] * 4
    result = ds_sim.close(key, "u1")[-1]
    assert result.attempts == 4 and not result.ok
    assert ds_sim.forgotten[-1]["key"] == key and ds_sim.forgotten[-1]["url"]


def test_an_error_answer_is_not_retried_but_forgotten(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    app.answers = [(200, b'{"error":1}')]
    result = ds_sim.close(key, "u1")[-1]
    assert result.attempts == 1 and result.answer == {"error": 1} and len(ds_sim.forgotten) == 1


def test_network_errors_are_retried_with_scaled_backoff(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    ds_sim.edit(key, "u1")
    app.stop()  # nobody listens any more
    ds_sim.retry_scale = 0.01
    started = time.monotonic()
    result = ds_sim.close(key, "u1")[-1]
    assert result.http_status is None and result.attempts == 4 and result.error
    assert time.monotonic() - started >= 0.07  # 0.01 + 0.02 + 0.04 per failing callback
    assert ds_sim.forgotten[-1]["key"] == key


# ----------------------------------------------------------------------------------------- command service


def command(ds_sim, params, path="/command", secret=None):
    token = jwt.encode(params, secret or ds_sim.secret)
    status, _headers, raw = http_post(ds_sim.url + path, {"token": token})
    assert status == 200
    return json.loads(raw)


def test_command_service(ds_sim, app):
    key, _config = open_editing(ds_sim, app)
    assert command(ds_sim, {"c": "version"})["version"].startswith("8.")
    assert command(ds_sim, {"c": "forcesave", "key": key}) == {"error": 4, "key": key}
    ds_sim.edit(key, "u1", "Via la commande")
    assert command(ds_sim, {"c": "forcesave", "key": key, "userdata": "cmd"}) == {"error": 0, "key": key}
    ds_sim.wait_idle()
    payload = app.callbacks[-1]["body_payload"]
    assert payload["status"] == 6 and payload["forcesavetype"] == 0 and payload["userdata"] == "cmd"
    assert (
        command(ds_sim, {"c": "forcesave", "key": key}, path="/coauthoring/CommandService.ashx")["error"] == 4
    )
    assert command(ds_sim, {"c": "info", "key": key}) == {"error": 0, "key": key}
    ds_sim.wait_idle()
    assert app.callbacks[-1]["body_payload"]["status"] == 1
    assert command(ds_sim, {"c": "forcesave", "key": "nope"})["error"] == 1
    assert command(ds_sim, {"c": "explode", "key": key})["error"] == 5
    assert command(ds_sim, {"c": "info", "key": key}, secret="x" * 40)["error"] == 6
    assert command(ds_sim, {"c": "info", "key": key, "exp": int(time.time()) - 3600})["error"] == 7
    header = {ds_sim.header: "Bearer " + jwt.encode({"payload": {"c": "version"}}, ds_sim.secret)}
    assert json.loads(http_post(ds_sim.url + "/command", {"c": "version"}, header)[2])["error"] == 0
    assert command(ds_sim, {"c": "drop", "key": key, "users": ["u1"]}) == {"error": 0, "key": key}
    ds_sim.wait_idle()
    assert ds_sim.dropped == [{"key": key, "users": ["u1"]}]
    # Edited then force-saved, unchanged since: status 2 with notmodified, as the DS does.
    assert [c["body_payload"]["status"] for c in app.callbacks[-2:]] == [1, 2]
    assert app.callbacks[-1]["body_payload"]["notmodified"] is True


# -------------------------------------------------------------------------------------------- conversion


def convert(ds_sim, params, path="/converter", headers=None):
    body = {"token": jwt.encode(params, ds_sim.secret)}
    status, _headers, raw = http_post(ds_sim.url + path, body, headers)
    assert status == 200
    return raw if path.endswith(".ashx") and not headers else json.loads(raw)


def test_conversion_sync_async_and_errors(ds_sim, app):
    app.docs["old.doc"] = b"\xd0\xcf\x11\xe0 vieux document"
    params = {"filetype": "doc", "outputtype": "docx", "key": "conv-1", "url": f"{app.url}/doc/old.doc"}
    answer = convert(ds_sim, params)
    assert answer["endConvert"] is True and answer["fileType"] == "docx" and answer["percent"] == 100
    assert "Converti" in docx_text(http_get(answer["fileUrl"])[2])
    assert app.doc_requests[-1]["url_ok"]

    pdf = dict(params, outputtype="pdf", key="conv-2", **{"async": True})
    assert convert(ds_sim, pdf) == {"endConvert": False, "percent": 50}
    answer = convert(ds_sim, pdf)
    assert answer["endConvert"] is True and http_get(answer["fileUrl"])[2].startswith(b"%PDF-")

    assert convert(ds_sim, dict(params, key="conv-3", url=f"{app.url}/doc/missing"))["error"] == -4
    status, _h, raw = http_post(ds_sim.url + "/converter", {"token": jwt.encode(params, "y" * 40)})
    assert json.loads(raw) == {"error": -8}
    ds_sim.converter_error = -8
    assert convert(ds_sim, dict(params, key="conv-4")) == {"error": -8}
    ds_sim.converter_error = -4
    assert convert(ds_sim, dict(params, key="conv-4")) == {"error": -4}
    ds_sim.converter_error = None
    xml = convert(ds_sim, dict(params, key="conv-5"), path="/ConvertService.ashx")
    assert b"<EndConvert>True</EndConvert>" in xml
    accept = {"Accept": "application/json"}
    assert convert(ds_sim, dict(params, key="conv-5"), path="/ConvertService.ashx", headers=accept)[
        "endConvert"
    ]


# ------------------------------------------------------------------------------------------ HTTP endpoints


def test_api_js_is_served_as_javascript(ds_sim):
    status, headers, body = http_get(ds_sim.url + "/web-apps/apps/api/documents/api.js")
    assert status == 200 and headers["Content-Type"].startswith("application/javascript")
    assert b"DocsAPI" in body and ds_sim.url.encode() in body and b"__docsapi_configs" in body


NODE_HARNESS = r"""
const [source, raw] = process.argv.slice(-2);
const config = JSON.parse(raw);
function element(tag) {
  return {tag, attrs: {}, children: [], innerHTML: "", textContent: "",
          setAttribute(k, v) { this.attrs[k] = String(v); }, appendChild(c) { this.children.push(c); }};
}
const host = element("div");
globalThis.window = globalThis;
globalThis.document = {getElementById: (id) => (id === "editor" ? host : null), createElement: element};
const events = [];
config.events = {onDocumentReady: () => events.push("ready"), onError: (e) => events.push(e.data.errorCode)};
eval(source);
new window.DocsAPI.DocEditor("editor", config);
(async () => {
  for (let i = 0; i < 200 && window.__docsapi_results.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const region = host.children[0];
  console.log(JSON.stringify({results: window.__docsapi_results, configs: window.__docsapi_configs.length,
    status: region.attrs["data-sim-status"], role: region.attrs["role"], label: region.attrs["aria-label"],
    text: region.children[0].textContent, events, version: window.DocsAPI.DocEditor.version()}));
})();
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs Node.js to run api.js")
@pytest.mark.parametrize("signed", [True, False])
def test_api_js_posts_the_config_to_the_simulator(ds_sim, app, signed):
    """Run the served api.js (Node, stub DOM, real fetch): it records the config, asks the simulator to
    open it and renders an accessible placeholder; an unsigned config ends in onError."""
    js = http_get(ds_sim.url + "/web-apps/apps/api/documents/api.js")[2].decode()
    config = app.config(sign=signed)
    run = subprocess.run(
        ["node", "-e", NODE_HARNESS, js, json.dumps(config)], capture_output=True, text=True, timeout=20
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["configs"] == 1 and out["role"] == "region" and out["label"]
    assert "Rapport.docx" in out["text"] and out["version"].startswith("8.")
    if signed:
        assert out["results"][0]["ok"] and out["status"] == "open" and out["events"] == ["ready"]
        assert app.doc_requests and app.callbacks[0]["body_payload"]["status"] == 1
    else:
        assert not out["results"][0]["ok"] and out["status"] == "error" and out["events"] == [-20]
        assert app.doc_requests == []


def test_sim_open_allows_cors_preflight(ds_sim, app):
    origin = app.url
    status, headers, _ = http_post(
        ds_sim.url + "/sim/open",
        None,
        {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        method="OPTIONS",
    )
    assert status == 204 and headers["Access-Control-Allow-Origin"] == origin
    assert (
        "POST" in headers["Access-Control-Allow-Methods"]
        and "content-type" in headers["Access-Control-Allow-Headers"]
    )
    config = app.config()
    status, headers, raw = http_post(
        ds_sim.url + "/sim/open", {"config": config, "user_id": "u1"}, {"Origin": origin}
    )
    assert status == 200 and json.loads(raw)["ok"] and headers["Access-Control-Allow-Origin"] == origin
    status, _headers, raw = http_post(ds_sim.url + "/sim/open", {"config": app.config(sign=False)})
    assert status == 403 and "token" in json.loads(raw)["error"]


def test_sim_http_driving_endpoints(ds_sim, app):
    config = app.config()
    key = config["document"]["key"]
    assert http_post(ds_sim.url + "/sim/open", {"config": config})[0] == 200
    assert http_post(ds_sim.url + "/sim/edit", {"key": key, "user_id": "u1", "text": "Par HTTP"})[0] == 200
    answer = json.loads(http_post(ds_sim.url + "/sim/forcesave", {"key": key, "user_id": "u1", "type": 1})[2])
    assert answer["ok"] and answer["callbacks"][0]["status"] == 6
    answer = json.loads(http_post(ds_sim.url + "/sim/close", {"key": key, "user_id": "u1"})[2])
    assert [c["status"] for c in answer["callbacks"]] == [1, 2]
    assert http_post(ds_sim.url + "/sim/edit", {"key": "nope", "user_id": "u1"})[0] == 400
    logged = [r["path"] for r in ds_sim.requests if r.get("direction") == "in"]
    assert "/sim/close" in logged


def test_cache_links_can_expire(ds_sim, app):
    ds_sim.file_ttl = 0.05
    _key, _r, received = _closed_with(ds_sim, app, None)
    time.sleep(0.1)
    assert http_get(received[-1]["body_payload"]["url"])[0] == 404


def test_reset_gives_a_new_secret_and_empty_state(ds_sim, app):
    old = ds_sim.secret
    open_editing(ds_sim, app)
    ds_sim.reset()
    assert ds_sim.secret != old and len(ds_sim.secret) == 48
    assert ds_sim.callbacks == [] and ds_sim.sessions == {} and ds_sim.attacker.hits == 0
    assert jwt_decode(jwt.encode({"a": 1}, ds_sim.secret), ds_sim.secret) == {"a": 1}


# --------------------------------------------------------------------------------------------- fixtures


def test_fixtures_point_the_app_at_the_simulator(
    onlyoffice_on, settings, live_server, oo_docx, oo_editor, oo_reader
):
    """`onlyoffice_on` wires settings both ways; the GED world has a docx with one version."""
    assert onlyoffice_on.url == settings.ONLYOFFICE_URL and settings.ONLYOFFICE_INTERNAL_URL == ""
    assert onlyoffice_on.secret == settings.ONLYOFFICE_JWT_SECRET and len(onlyoffice_on.secret) == 48
    assert (
        settings.ONLYOFFICE_JWT_HEADER == "Authorization" and live_server.url == settings.ONLYOFFICE_APP_URL
    )
    version = oo_docx.versions.get()
    assert oo_docx.title == "Rapport annuel.docx" and version.number == 1
    assert http_get(live_server.url + "/")[0] in {200, 302}


def test_make_office_document(make_office_document):
    for ext in ("docx", "xlsx", "pptx", "odt", "ods", "odp", "pdf"):
        document = make_office_document(ext, "Bonjour")
        assert document.title == f"Document {ext}.{ext}" and document.versions.count() == 1
