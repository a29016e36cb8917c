"""The DAV endpoint served for real: cheroot in a thread of the test process (the test settings and the test
database, committed through `transactional_db` so that the server's threads see the data), agents with app
passwords, and a small HTTP client speaking WebDAV."""

import socket
import threading
import time
from urllib.parse import quote

import httpx
import pytest

from intranet.people.app_passwords import create_app_password


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def dav_server(django_db_setup, django_db_blocker):
    """`manage.py dav_serve`'s server on a free loopback port for the whole session; its URL."""
    from django.db import connection

    from ged.management.commands.dav_serve import make_server

    port = _free_port()
    # On SQLite the test database is in memory with a shared cache, where two threads writing at once get
    # « database table is locked » at once (no busy timeout applies to shared-cache table locks): rclone's
    # parallel transfers failed that way once. One request at a time there; the embedded default itself
    # runs on a file in WAL mode with a 20 s busy timeout (settings/base.py), where writers wait instead.
    server = make_server("127.0.0.1", port, threads=1 if connection.vendor == "sqlite" else 4)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        for _ in range(200):
            if server.ready:
                break
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
        server.stop()
        thread.join(timeout=10)
        _close_server_connections()


def _close_server_connections():
    """The server's threads may keep a connection; PostgreSQL refuses to drop a database in use."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


class Dav:
    """A WebDAV client of one agent (HTTP Basic with their app password)."""

    def __init__(self, base: str, username: str, secret: str):
        self.base, self.username, self.secret = base, username, secret
        self.http = httpx.Client(base_url=base, auth=(username, secret), timeout=60)

    @staticmethod
    def path(*names: str) -> str:
        return "/dav/" + "/".join(quote(n, safe="") for n in names)

    def request(self, method: str, path: str, **kw) -> httpx.Response:
        return self.http.request(method, path, **kw)

    def propfind(self, path: str, depth: str = "1", **kw) -> httpx.Response:
        return self.request("PROPFIND", path, headers={"Depth": depth, **kw.pop("headers", {})}, **kw)

    def names(self, path: str) -> list[str]:
        """The names a Depth 1 PROPFIND lists under `path` (the collection itself left out)."""
        from urllib.parse import unquote
        from xml.etree import ElementTree

        response = self.propfind(path)
        assert response.status_code == 207, response.text
        hrefs = [e.text for e in ElementTree.fromstring(response.content).iter("{DAV:}href")]
        base = unquote(path).rstrip("/")
        out = []
        for href in hrefs:
            href = unquote(href).rstrip("/")
            if href != base:
                out.append(href.rsplit("/", 1)[-1])
        return sorted(out)

    def close(self):
        self.http.close()


@pytest.fixture
def dav_url(dav_server, transactional_db):
    return dav_server


@pytest.fixture
def dav_client(dav_url):
    """dav_client(user) -> a Dav client authenticated with a new app password of `user`."""
    clients = []

    def make(user) -> Dav:
        _password, secret = create_app_password(user, "Test")
        client = Dav(dav_url, user.username, secret)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class Response:
    def __init__(self, status: str, headers: list, body: bytes):
        self.status_code = int(status.split(" ", 1)[0])
        self.headers = {k.lower(): v for k, v in headers}
        self.content = body
        self.text = body.decode("utf-8", "replace")


class WsgiDav:
    """The same DAV application called in the test's own thread and transaction (no server): fast, and the
    queries it runs are the test connection's, so `django_assert_num_queries` counts them."""

    def __init__(self, app, username: str, secret: str):
        self.app, self.username, self.secret = app, username, secret

    def request(
        self, method: str, path: str | bytes, body: bytes = b"", headers: dict | None = None, *, auth=True
    ):
        """`path` as text, or as the raw bytes a client sent (hostile paths that are not UTF-8)."""
        import base64
        import io

        # What a WSGI server puts in PATH_INFO: the path's bytes read as latin-1.
        raw = (path if isinstance(path, bytes) else path.encode("utf-8")).decode("latin-1")
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": raw,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8001",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8001",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if body or method == "PUT":
            environ["CONTENT_LENGTH"] = str(len(body))
        if auth:
            token = base64.b64encode(f"{self.username}:{self.secret}".encode()).decode()
            environ["HTTP_AUTHORIZATION"] = f"Basic {token}"
        for key, value in (headers or {}).items():
            name = key.upper().replace("-", "_")
            environ[name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"] = value
        captured = {}

        def start_response(status, response_headers, exc_info=None):
            captured["status"], captured["headers"] = status, response_headers

        body_out = b"".join(self.app(environ, start_response))
        return Response(captured["status"], captured["headers"], body_out)

    def propfind(self, path: str, depth: str = "1") -> Response:
        return self.request("PROPFIND", path, headers={"Depth": depth})

    def names(self, path: str) -> list[str]:
        from urllib.parse import unquote
        from xml.etree import ElementTree

        response = self.propfind(path)
        assert response.status_code == 207, response.text
        base = path.rstrip("/")
        out = []
        for e in ElementTree.fromstring(response.content).iter("{DAV:}href"):
            href = unquote(e.text).rstrip("/")
            if href != base:
                out.append(href.rsplit("/", 1)[-1])
        return sorted(out)


@pytest.fixture
def wsgi_dav(db):
    """wsgi_dav(user) -> an in-process DAV client of `user` (with a new app password)."""
    from ged.webdav.app import make_app

    app = make_app(manage_connections=False)

    def make(user) -> WsgiDav:
        _password, secret = create_app_password(user, "Test")
        return WsgiDav(app, user.username, secret)

    return make
