"""B10: WebDAV PROPFIND Depth 1 of a GED folder of 1,000 and of 10,000 documents, as an agent with an
inherited role (contributor on the space's root), against wsgidav's own FilesystemProvider answering the
same PROPFIND over a directory of as many files, same process, same run (both called in-process as WSGI
applications, so neither pays a network round trip). The query count must be the same at both sizes.

Target (performance.md): ratio <= 1.5, constant queries. Run: `.venv/bin/python bench/dav_propfind.py`.
"""

import base64
import io
import tempfile
from pathlib import Path

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_dav_b10"


def environ(path: str, auth: str | None) -> dict:
    env = {
        "REQUEST_METHOD": "PROPFIND",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8001",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8001",
        "HTTP_DEPTH": "1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if auth:
        env["HTTP_AUTHORIZATION"] = auth
    return env


def call(app, path: str, auth: str | None = None) -> bytes:
    status = {}

    def start_response(s, headers, exc_info=None):
        status["s"] = s

    body = b"".join(app(environ(path, auth), start_response))
    assert status["s"].startswith("207"), (status, body[:300])
    return body


def main():
    connection = setup_django(DB)
    from django.test.utils import CaptureQueriesContext
    from ged_common import bulk_documents
    from wsgidav.fs_dav_provider import FilesystemProvider
    from wsgidav.wsgidav_app import WsgiDAVApp

    from ged.actions import folder_create, grant_set, space_create
    from ged.choices import Role
    from ged.webdav.app import make_app
    from intranet.people.app_passwords import create_app_password
    from intranet.people.models import User

    owner = User.objects.create(username="proprietaire", first_name="Paule", last_name="Proprio")
    agent = User.objects.create(username="agent", first_name="Aline", last_name="Agent")
    space = space_create(name="Archives", slug="archives", creator=owner)
    grant_set(folder=space.root, role=Role.CONTRIBUTOR, actor=owner, user=agent, notify_grantee=False)
    _pw, secret = create_app_password(agent, "bench")
    auth = "Basic " + base64.b64encode(f"agent:{secret}".encode()).decode()
    app = make_app(manage_connections=False)

    tmp = Path(tempfile.mkdtemp(prefix="dav-b10-"))
    results = []
    for n in (1_000, 10_000):
        folder = folder_create(parent=space.root, name=f"Dossier {n}", actor=owner)
        bulk_documents(folder, n, owner)
        directory = tmp / str(n)
        directory.mkdir()
        for i in range(n + 1):
            (directory / f"Doc {i:05}.txt").write_bytes(b"x" * (i % 1000 + 1))
        fs_app = WsgiDAVApp(
            {
                "provider_mapping": {"/": FilesystemProvider(str(directory))},
                "simple_dc": {"user_mapping": {"*": True}},
                "http_authenticator": {"domain_controller": None, "accept_digest": False},
                "dir_browser": {"enable": False},
                "logging": {"enable": False},
                "verbose": 1,
            }
        )
        path = f"/dav/archives/Dossier {n}".encode().decode("latin-1")
        ours = call(app, path, auth)
        theirs = call(fs_app, "/")
        assert ours.count(b"response>") == theirs.count(b"response>"), "same number of entries"
        call(app, path, auth)
        with CaptureQueriesContext(connection) as ctx:
            call(app, path, auth)
        queries = len(ctx.captured_queries)
        figures = summary(
            *interleaved(lambda p=path: call(app, p, auth), lambda a=fs_app: call(a, "/"), reps=7)
        )
        results.append((n, queries, figures))
    teardown(connection, DB)
    constant = results[0][1] == results[1][1]
    worst = max(f["ratio"] for _n, _q, f in results)
    for n, queries, f in results:
        print(
            f"B10 n={n} ratio={f['ratio']:.2f} queries={queries} app_ms={f['app_ms']:.1f} "
            f"base_ms={f['base_ms']:.1f} iqr={f['iqr'][0]:.2f}-{f['iqr'][1]:.2f}"
        )
    ok = worst <= 1.5 and constant
    print(
        f"B10 ratio={worst:.2f} target<=1.5 queries={results[0][1]}/{results[1][1]} db={connection.vendor} "
        f"{'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
