"""The route crawler's hostile corpus (security.md R6) for the DAV endpoint, which lives outside Django's URL
resolver and so outside tests/route_crawler.py: every method on hostile paths, hostile DAV headers (Depth,
Destination, Overwrite, If, Lock-Token, Timeout, Range) and hostile XML bodies (an entity bomb, an external
entity, 100,000-deep nesting, not XML, NUL bytes) answer below 500, never echo a file of the machine, and
leave the GED as it was. In-process WSGI calls: a few seconds."""

import itertools

import pytest

from ged.models import Document, Folder

from .conftest import WsgiDav

METHODS = [
    "OPTIONS",
    "GET",
    "HEAD",
    "PUT",
    "DELETE",
    "MKCOL",
    "COPY",
    "MOVE",
    "PROPFIND",
    "PROPPATCH",
    "LOCK",
    "UNLOCK",
]

# Raw PATH_INFO bytes, as a WSGI server hands them over after percent-decoding.
PATHS = [
    b"/dav/",
    b"/dav/rh/",
    b"/dav/rh/note.txt",
    b"/dav/" + b"9" * 5000,
    b"/dav/rh/" + b"9" * 40 + b".txt",
    b"/dav/\x00",
    b"/dav/rh/no\x00te.txt",
    b"/dav/../../etc/passwd",
    b"/dav/rh/../../../etc/passwd",
    b"/dav/\xed\xa0\x80/",  # a lone surrogate in UTF-8
    b"/dav/rh/\xff\xfe.txt",  # not UTF-8
    b"/dav/" + "é".encode() * 400,
    b"/dav/rh/" + b"a/" * 300,
    b"/dav/rh/CON",
    b"/dav/rh/" + b"x" * 1000 + b".txt",
    b"/dav//rh//note.txt",
    b"/dav/Partag\xc3\xa9s avec moi/\x00",
]

HEADERS = [
    {"Depth": "infinity"},
    {"Depth": "-1"},
    {"Depth": "9" * 1000},
    {"Depth": "\x01"},
    {"Destination": "http://evil.example/dav/rh/copie.txt"},
    {"Destination": "/dav/../../etc/passwd"},
    {"Destination": "http://127.0.0.1:8001/dav/" + "9" * 5000},
    {"Destination": ""},
    {"Destination": "http://127.0.0.1:8001/dav/rh/%00.txt"},
    {"Destination": "http://127.0.0.1:8001/dav/rh/%ED%A0%80.txt"},
    {"Destination": "http://[::1"},
    {"Destination": "http://127.0.0.1:8001/dav/rh/copie.txt", "Overwrite": "X"},
    {"If": "(<opaquelocktoken:zzz"},
    {"If": "<" * 1000},
    {"If": "([" + "x" * 5000},
    {"If": "(Not <opaquelocktoken:" + "9" * 5000 + ">)"},
    {"Lock-Token": "garbage"},
    {"Lock-Token": "<>"},
    {"Lock-Token": "<opaquelocktoken:" + "\x00" * 10 + ">"},
    {"Timeout": "Second-" + "9" * 30},
    {"Timeout": "Infinite, Second-x"},
    {"Range": "bytes=" + "9" * 5000 + "-"},
    {"Range": "bytes=5-1"},
    {"Content-Type": "text/xml; charset=" + "x" * 500},
    {"Content-Length": "-5"},
]

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
<!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>
<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&i;</D:displayname></D:prop></D:propfind>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><Z:note xmlns:Z="urn:x">&x;</Z:note></D:prop></D:set>
</D:propertyupdate>"""
DEEP = b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">' + b"<D:prop>" * 100_000 + b"</D:propfind>"
BODIES = [
    BOMB,
    XXE,
    DEEP,
    b"ceci n'est pas du XML <<<",
    b"\x00" * 1_000_000,
    b"\xff\xfe<\x00D\x00:\x00",
    '<?xml version="1.0" encoding="utf-16"?><D:lockinfo xmlns:D="DAV:"/>'.encode("utf-16"),
]


@pytest.fixture
def hostile_world(space, manager, upload):
    from ged.webdav.app import make_app
    from intranet.people.app_passwords import create_app_password

    upload(space.root, "note.txt", b"Bonjour")
    _password, secret = create_app_password(manager, "hostile")
    return make_app(manage_connections=False), manager.username, secret


def _state():
    return (
        sorted(Document.objects.values_list("pk", "title", "folder_id", "trashed_at", "current_version_id")),
        sorted(Folder.objects.values_list("pk", "name", "path", "trashed_at")),
    )


def test_hostile_dav_requests_answer_below_500_and_leak_nothing(hostile_world):
    dav = WsgiDav(*hostile_world)
    failures = []

    def check(method, path, headers=None, body=b"", auth=True):
        response = dav.request(method, path, body, headers, auth=auth)
        status, out = response.status_code, response.content
        # RFC 4918 §9.8.5: a Destination on another server is 502 Bad Gateway, a protocol answer.
        foreign = (headers or {}).get("Destination", "").startswith("http://evil.example/")
        if (status >= 500 and not (foreign and status == 502)) or b"Traceback" in out or b"root:x:0:0" in out:
            failures.append(f"{method} {path[:80]!r} {str(headers)[:80]} body={body[:30]!r}: {status}")

    for method, path in itertools.product(METHODS, PATHS):
        check(method, path)
        check(method, path, auth=False)  # anonymous: 401, whatever the path
    write_methods = ["COPY", "MOVE", "PROPFIND", "LOCK", "UNLOCK", "GET", "PUT", "DELETE", "PROPPATCH"]
    for headers, method in itertools.product(HEADERS, write_methods):
        check(method, b"/dav/rh/note.txt", headers)
    for body, method in itertools.product(BODIES, ["PROPFIND", "PROPPATCH", "LOCK"]):
        check(method, b"/dav/rh/note.txt", {"Content-Type": "text/xml"}, body)
        check(method, b"/dav/rh/", {"Content-Type": "text/xml", "Depth": "0"}, body)
    assert not failures, "\n".join(failures[:40])


def test_hostile_requests_as_a_reader_change_nothing(hostile_world, make_user, grant, space):
    """A reader throwing the corpus at the space: the GED's documents and folders are as they were."""
    from ged.choices import Role
    from intranet.people.app_passwords import create_app_password

    app, _username, _secret = hostile_world
    reader = make_user("lecteur.hostile")
    grant(space.root, Role.READER, user=reader)
    _password, secret = create_app_password(reader, "hostile")
    dav = WsgiDav(app, reader.username, secret)
    before = _state()
    for method, path in itertools.product(["PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH"], PATHS):
        headers = {"Destination": "http://127.0.0.1:8001/dav/rh/copie.txt", "Overwrite": "T"}
        status = dav.request(method, path, b"x", headers).status_code
        assert status < 500, (method, path[:80], status)
    assert _state() == before
