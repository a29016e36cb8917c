"""Upload bodies under the real ASGI application (intranet.asgi_handler): the chunk endpoint and the upload
forms read the body as it arrives (Django does not spool it first), a client that leaves mid-part keeps what
arrived, and a body over the limit is refused with 413 before anything is read."""

import asyncio
import hashlib
import json

import pytest
from asgiref.sync import sync_to_async

from ged.models import UploadSession, Version
from ged.uploads import session_spool_path

pytestmark = pytest.mark.django_db(transaction=True)


class Client:
    """Plays the ASGI server's side: body messages handed over one at a time, on request."""

    def __init__(self, parts, *, disconnect_after=False):
        self.parts = list(parts)
        self.disconnect_after = disconnect_after
        self.delivered = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.sent = []

    async def receive(self):
        await self.gate.wait()
        if self.parts:
            body = self.parts.pop(0)
            self.delivered += 1
            more = bool(self.parts) or self.disconnect_after
            return {"type": "http.request", "body": body, "more_body": more}
        if self.disconnect_after:
            return {"type": "http.disconnect"}
        await asyncio.Event().wait()  # a real client waits for the answer
        return {"type": "http.disconnect"}

    async def send(self, message):
        self.sent.append(message)

    @property
    def status(self):
        return next(m["status"] for m in self.sent if m["type"] == "http.response.start")

    @property
    def json(self):
        return json.loads(
            b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")
        )


def _scope(method, path, headers, query=b""):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


@pytest.fixture
def token_for():
    from intranet.people.actions import api_token_create

    def make(user):
        return api_token_create(user=user, name="essai", days=1)[1]

    return make


async def _call(scope, client):
    from intranet.asgi import application

    await asyncio.wait_for(application(scope, client.receive, client.send), timeout=30)


@pytest.fixture
def session_and_token(space, manager, token_for):
    from ged.actions import upload_session_create

    session = upload_session_create(owner=manager, folder=space.root, filename="Plan.txt", size=3 * 65536)
    return session, token_for(manager)


async def test_a_part_is_written_while_it_arrives_not_spooled_first(space, manager, token_for):
    from ged.actions import upload_session_create

    size = 3 * 1024 * 1024
    session = await sync_to_async(upload_session_create)(
        owner=manager, folder=space.root, filename="Plan.txt", size=size
    )
    token = await sync_to_async(token_for)(manager)
    data = [bytes([65 + i % 26]) * 65536 for i in range(size // 65536)]
    client = Client(data)
    spool = session_spool_path(session.id)
    seen = {"first_megabyte_written": False}
    original = client.receive

    async def release_when_written():
        for _ in range(3000):
            if spool.stat().st_size >= 1024 * 1024:
                seen["first_megabyte_written"] = True
                break
            await asyncio.sleep(0.01)
        client.gate.set()

    async def receive():
        # After 1.5 MB the client pauses until the first megabyte is in the spool file: Django's stock
        # handler, which reads the whole body before running the view, would wait here until the timeout.
        message = await original()
        if client.delivered == 24:
            client.gate.clear()
            asyncio.get_running_loop().create_task(release_when_written())
        return message

    client.receive = receive
    scope = _scope(
        "PUT",
        f"/api/v1/ged/uploads/{session.id}",
        {"authorization": f"Bearer {token}", "content-length": str(size), "content-type": "a/b"},
        query=b"offset=0",
    )
    await _call(scope, client)
    assert client.status == 200, client.json
    assert seen["first_megabyte_written"] is True
    assert client.json["offset"] == size
    assert spool.read_bytes() == b"".join(data)


async def test_a_client_leaving_mid_part_keeps_what_arrived(session_and_token):
    session, token = session_and_token
    client = Client([b"a" * 65536, b"b" * 1000], disconnect_after=True)
    scope = _scope(
        "PUT",
        f"/api/v1/ged/uploads/{session.id}",
        {"authorization": f"Bearer {token}", "content-length": str(3 * 65536), "content-type": "a/b"},
        query=b"offset=0",
    )
    await _call(scope, client)
    row = await sync_to_async(UploadSession.objects.get)(pk=session.pk)
    assert row.received == 65536 + 1000
    assert session_spool_path(session.id).read_bytes() == b"a" * 65536 + b"b" * 1000


async def test_a_body_over_the_limit_is_refused_before_it_is_read(session_and_token, settings):
    settings.ASGI_BODY_MAX_MB = 1
    session, token = session_and_token
    client = Client([b"x" * 10])
    scope = _scope(
        "PUT",
        f"/api/v1/ged/uploads/{session.id}",
        {"authorization": f"Bearer {token}", "content-length": str(2 * 1024 * 1024), "content-type": "a/b"},
        query=b"offset=0",
    )
    await _call(scope, client)
    assert client.status == 413 and "taille maximale" in client.json["detail"]
    assert client.delivered == 0


async def test_a_body_without_length_is_cut_at_the_limit(settings, token_for, manager):
    settings.ASGI_BODY_MAX_MB = 1
    token = await sync_to_async(token_for)(manager)
    client = Client([b"{" + b" " * (512 * 1024)] * 4)
    scope = _scope(
        "POST",
        "/api/v1/ged/uploads",
        {"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    await _call(scope, client)
    assert client.status == 413 and "taille maximale" in client.json["detail"]
    assert client.delivered == 2  # stopped at the first message past the limit (1 MB + 2 bytes)


async def test_the_web_form_upload_streams_and_makes_one_version(space, manager):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    def login():
        store = SessionStore()
        store[SESSION_KEY] = str(manager.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = manager.get_session_auth_hash()
        store.create()
        return store.session_key

    key = await sync_to_async(login)()
    boundary = "limite"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\nRelu\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="Note.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\n"
        ).encode()
        + b"Note de service " * 20000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    parts = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    client = Client(parts)
    scope = _scope(
        "POST",
        f"/documents/dossier/{space.root.pk}/deposer/",
        {
            "cookie": f"sessionid={key}; csrftoken={'c' * 32}",
            "x-csrftoken": "c" * 32,
            "accept": "application/json",
            "content-type": f"multipart/form-data; boundary={boundary}",
            "content-length": str(len(body)),
            "origin": "http://testserver",
            "referer": "http://testserver/",
        },
    )
    await _call(scope, client)
    assert client.status == 201, client.sent
    version = await sync_to_async(Version.objects.select_related("document").get)()
    assert version.comment == "Relu"
    assert version.blob_id == hashlib.sha256(b"Note de service " * 20000).hexdigest()
