"""The DAV WSGI application driven in this thread (so that the test sees every query): an allprop PROPFIND
costs the same queries whatever the folder's size with locks and dead properties, and a lock taken through one
application (one process) holds in another."""

import base64
import io
import re
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wsgidav.lock_man.lock_manager import LockManager
from wsgidav.wsgidav_app import WsgiDAVApp

from ged.actions import document_upload
from ged.webdav.app import dav_config
from ged.webdav.locks import DavRequestScope, GedLockStorage, ref_urls
from ged.webdav.props import GedPropertyManager
from intranet.people.app_passwords import create_app_password
from tests.ged.conftest import Named

NS = "{http://example.com/ns/}"


@pytest.fixture
def upload(manager):
    """The GED's upload action, without its on-commit work (text extraction is not under test here)."""

    def do(folder, name, data):
        return document_upload(folder=folder, uploaded_file_or_path=Named(data, name), author=manager)

    return do


@pytest.fixture
def app():
    # make_app() without its dispatcher, which closes the database connection after each request as Django
    # does (here: the test's own connection and transaction).
    return DavRequestScope(WsgiDAVApp(dav_config()))


def _call(app, method: str, path: str, username: str, secret: str, body: bytes = b"", **headers):
    """One request through the WSGI application in this thread: (status, headers, body)."""
    environ = {}
    setup_testing_defaults(environ)
    token = base64.b64encode(f"{username}:{secret}".encode()).decode()
    environ.update(
        REQUEST_METHOD=method,
        SCRIPT_NAME="/dav",
        PATH_INFO=path,
        REMOTE_ADDR="127.0.0.1",
        HTTP_AUTHORIZATION=f"Basic {token}",
        CONTENT_TYPE="text/xml",
        CONTENT_LENGTH=str(len(body)),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    )
    environ["wsgi.input"] = io.BytesIO(body)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    out = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], out


def _propfind(app, path: str, username: str, secret: str) -> tuple[str, bytes]:
    body = b'<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>'
    status, _headers, out = _call(app, "PROPFIND", path, username, secret, body, depth="1")
    return status, out


def _count(app, path, username, secret) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        status, body = _propfind(app, path, username, secret)
    assert status.startswith("207"), body
    return len(queries), body


def test_propfind_queries_do_not_grow_with_the_folder(
    app, manager, make_user, grant, space, subfolder, upload
):
    """5 then 25 documents, a fifth with a dead property, two locked (a DAV lock, a colleague's web
    check-out; the holder's own check-out is not reported to them): same number of queries, and every lock
    and property is reported. (wsgidav resolves each lock's root to write its `lockroot`: that costs a path
    resolution per lock reported, not per member.)"""
    from ged.actions import document_lock

    colleague = make_user("collegue")
    grant(space.root, "contributor", user=colleague)
    folder = subfolder(space.root, "Dossier")
    _pw, secret = create_app_password(manager, "test")
    lm, pm = LockManager(GedLockStorage()), GedPropertyManager()
    _count(app, "/rh/Dossier/", manager.username, secret)  # the first request does one-time work
    counts = []
    made = 0
    for total in (5, 25):
        while made < total:
            doc = upload(folder, f"f{made:02d}.txt", f"{made}".encode())[0]
            url = ref_urls(documents=[doc])[("document", doc.pk)]
            if made % 5 == 0:
                pm.write_property(url, NS + "n", b'<n xmlns="http://example.com/ns/">1</n>')
            if made == 0:
                document_lock(document=doc, actor=colleague)
            if made == 1:
                lm.acquire(
                    url=url,
                    lock_type="write",
                    lock_scope="exclusive",
                    lock_depth="0",
                    lock_owner=b"",
                    timeout=600,
                    principal=manager.username,
                    token_list=[],
                )
            made += 1
        count, body = _count(app, "/rh/Dossier/", manager.username, secret)
        counts.append(count)
        assert body.count(b"<D:activelock>") == 2
        assert len(re.findall(rb"<NS\d+:n>1</NS\d+:n>", body)) == total // 5
    assert counts[0] == counts[1], counts


def test_a_lock_through_one_process_holds_in_another(manager, make_user, space, subfolder, upload, grant):
    """Two DAV applications, as two processes have (each its own wsgidav LockManager): a LOCK through the
    first makes the second answer 423 to another agent's PUT and LOCK, and its UNLOCK frees the second."""
    first, second = DavRequestScope(WsgiDAVApp(dav_config())), DavRequestScope(WsgiDAVApp(dav_config()))
    colleague = make_user("collegue")
    grant(space.root, "contributor", user=colleague)
    folder = subfolder(space.root, "Dossier")
    upload(folder, "a.txt", b"un")
    _pw, mine = create_app_password(manager, "test")
    _pw, theirs = create_app_password(colleague, "test")
    lockinfo = (
        b'<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
        b"</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>"
    )
    status, headers, _ = _call(first, "LOCK", "/rh/Dossier/a.txt", manager.username, mine, lockinfo)
    assert status.startswith("200")
    token = headers["Lock-Token"]
    status, _, _ = _call(second, "PUT", "/rh/Dossier/a.txt", colleague.username, theirs, b"deux")
    assert status.startswith("423")
    status, _, _ = _call(second, "LOCK", "/rh/Dossier/a.txt", colleague.username, theirs, lockinfo)
    assert status.startswith("423")
    status, _, _ = _call(second, "UNLOCK", "/rh/Dossier/a.txt", manager.username, mine, lock_token=token)
    assert status.startswith("204")
    status, _, _ = _call(first, "PUT", "/rh/Dossier/a.txt", colleague.username, theirs, b"deux")
    assert status.startswith("204")
