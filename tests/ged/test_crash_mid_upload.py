"""Crash or abort mid-upload (R3): a storage error after N bytes, a database error after the blob write, a
kill between blob write and commit, and `kill -9` of a real ASGI worker mid-body. Each time: no new version
anywhere, the previous version intact, the same upload retried succeeds, and ged_cleanup brings the temp
files and unreferenced blobs back to baseline. (The client-disconnect case is in test_uploads_hostile.py.)"""

import contextlib
import errno
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import FileSystemStorage, Storage
from django.core.management import call_command
from django.db import DatabaseError, connection

from ged import actions, storage
from ged.actions import versions
from ged.models import Blob, Version
from tests.seaweed import seaweed, use_s3  # noqa: F401  (pytest fixture)

from .conftest import Named

V1 = b"Version 1 : compte rendu du conseil.\n"
V2 = b"Version 2 : compte rendu relu et corrige.\n" * 2000  # ~86 KB, several storage chunks


def _store_state():
    """Temp files in the store's tmp dir and blob files on disk: what ged_cleanup must bring back."""
    return sorted(p.name for p in storage.tmp_dir().iterdir()), sorted(storage.blob_list())


def _cleanup():
    call_command("ged_cleanup", ttl_hours=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _post_version(client, document, data, *, base=1):
    return client.post(
        f"/documents/document/{document.pk}/nouvelle-version/",
        {"file": Named(data, "note.txt"), "base_version": base, "comment": ""},
        headers={"Accept": "application/json"},
    )


def _assert_no_new_version(client, document, v1):
    """Only version 1, everywhere: models, API document/versions/listing, downloads."""
    assert list(Version.objects.filter(document=document).values_list("number", flat=True)) == [1]
    document.refresh_from_db()
    assert document.current_version_id == v1.pk
    body = client.get(f"/api/v1/ged/documents/{document.pk}").json()
    assert body["current_version"] == 1
    versions = client.get(f"/api/v1/ged/documents/{document.pk}/versions").json()
    assert [v["number"] for v in versions] == [1]
    rows = client.get(f"/api/v1/ged/folders/{document.folder_id}").json()
    row = next(r for r in _rows(rows) if r["id"] == document.pk)
    assert row["version"] == 1 and row["size"] == len(V1)
    # The would-be version 2 has no id to download: the next id answers 404 on the API and the web.
    would_be = v1.pk + 1
    assert client.get(f"/api/v1/ged/versions/{would_be}/download").status_code == 404
    assert client.get(f"/documents/version/{would_be}/telecharger/").status_code == 404
    # Version 1 is intact and downloadable, current and by id.
    for url in (
        f"/documents/document/{document.pk}/telecharger/",
        f"/documents/version/{v1.pk}/telecharger/",
        f"/api/v1/ged/versions/{v1.pk}/download",
    ):
        assert _download(client, url) == (200, V1), url


def _download(client, url) -> tuple[int, bytes]:
    """Status and bytes of a download; on S3 the view redirects to a presigned GET, which is followed."""
    response = client.get(url)
    if response.status_code == 302:
        with urllib.request.urlopen(response["Location"], timeout=10) as s3_response:
            return s3_response.status, s3_response.read()
    return response.status_code, response.getvalue() if response.status_code == 200 else b""


@pytest.fixture(params=["local", "s3"])
def blob_store(request, settings):
    """The same crash on the local blob directory and on S3 (the session's SeaweedFS, tests/seaweed.py)."""
    if request.param == "s3":
        use_s3(settings, request.getfixturevalue("seaweed"))
    return request.param


def _rows(listing):
    if isinstance(listing, dict):
        return listing.get("documents", [])
    return listing


def _assert_retry_succeeds(client, document):
    response = _post_version(client, document, V2)
    assert response.status_code == 201, response.content
    assert response.json() == {"version": 2}
    v2 = Version.objects.get(document=document, number=2)
    assert v2.blob_id == hashlib.sha256(V2).hexdigest() and v2.size == len(V2)
    assert _download(client, f"/documents/version/{v2.pk}/telecharger/") == (200, V2)
    with storage.blob_open(v2.blob_id) as fh:
        assert fh.read() == V2


@pytest.fixture
def document_v1(space, upload, manager, client):
    """A document at version 1, the manager logged in, and the store's state at that point."""
    document, v1 = upload(space.root, "note.txt", V1)
    client.force_login(manager)
    client.raise_request_exception = False
    return document, v1


# --- 1. Storage error after N bytes ----------------------------------------------------------------------


class PartialWriteStorage(Storage):
    """A remote-like store (not a FileSystemStorage, so ged.storage takes the `store.save` path) backed by a
    directory. While `failures` > 0, `_save` writes the first `fail_after` bytes to the final name and then
    raises ENOSPC, as a full disk or a dropped connection would."""

    failures = 0
    fail_after = 4096

    def __init__(self, location):
        self.fs = FileSystemStorage(location=location)

    def _open(self, name, mode="rb"):
        return self.fs._open(name, mode)

    def _save(self, name, content):
        if PartialWriteStorage.failures <= 0:
            return self.fs._save(name, content)
        PartialWriteStorage.failures -= 1
        path = Path(self.fs.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            out.write(content.read(self.fail_after))
        raise OSError(errno.ENOSPC, "No space left on device")

    def exists(self, name):
        return self.fs.exists(name)

    def delete(self, name):
        self.fs.delete(name)

    def size(self, name):
        return self.fs.size(name)

    def path(self, name):
        raise NotImplementedError("remote store")

    def listdir(self, path):
        return self.fs.listdir(path)

    def get_modified_time(self, name):
        return self.fs.get_modified_time(name)


@pytest.fixture
def failing_store(settings, tmp_path):
    """The GED on a PartialWriteStorage rooted at the GED root (so blob_list sees its files)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "ged_partial": {
            "BACKEND": f"{__name__}.PartialWriteStorage",
            "OPTIONS": {"location": settings.GED_STORAGE_ROOT},
        },
    }
    settings.GED_STORAGE_ALIAS = "ged_partial"
    PartialWriteStorage.failures = 0
    yield
    PartialWriteStorage.failures = 0


def test_storage_error_after_n_bytes(failing_store, document_v1, client):
    document, v1 = document_v1
    assert isinstance(storage.storage(), PartialWriteStorage) and storage.local_path(v1.blob_id) is None
    baseline = _store_state()
    PartialWriteStorage.failures = 1

    response = _post_version(client, document, V2)

    # The OSError is not the user's fault: the view gives the French error page, nothing else.
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
    assert "Réessayez" in response.content.decode()
    assert PartialWriteStorage.failures == 0  # the failure did happen
    # The truncated object was removed, not left under the blob's name for the retry to trust.
    assert not storage.blob_exists(hashlib.sha256(V2).hexdigest())
    assert not Blob.objects.filter(sha256=hashlib.sha256(V2).hexdigest()).exists()
    _assert_no_new_version(client, document, v1)
    _cleanup()
    assert _store_state() == baseline

    _assert_retry_succeeds(client, document)


# --- 2. Database error after the blob write --------------------------------------------------------------


def test_database_error_after_blob_write(blob_store, document_v1, client, monkeypatch):
    document, v1 = document_v1
    baseline = _store_state()
    real = versions._add_version
    calls = {"n": 0}

    def add_version_failing_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            # The blob file is already in place when the database gives up.
            assert storage.blob_exists(hashlib.sha256(V2).hexdigest())
            raise DatabaseError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(versions, "_add_version", add_version_failing_once)

    response = _post_version(client, document, V2)

    assert calls["n"] == 1
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
    # Nothing half-stored in the database; the blob file is an orphan, collected by ged_cleanup.
    assert not Blob.objects.filter(sha256=hashlib.sha256(V2).hexdigest()).exists()
    _assert_no_new_version(client, document, v1)
    assert hashlib.sha256(V2).hexdigest() in _store_state()[1]
    _cleanup()
    assert _store_state() == baseline

    _assert_retry_succeeds(client, document)


def test_cleanup_keeps_a_recent_orphan_within_the_ttl(blob_store, document_v1, client, monkeypatch):
    """Without --ttl-hours 0, a just-written orphan blob is kept (it may belong to a commit in flight)."""
    document, _v1 = document_v1
    baseline = _store_state()
    monkeypatch.setattr(versions, "_add_version", lambda **kw: (_ for _ in ()).throw(DatabaseError("boom")))
    assert _post_version(client, document, V2).status_code == 500
    call_command("ged_cleanup", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert hashlib.sha256(V2).hexdigest() in _store_state()[1]
    _cleanup()
    assert _store_state() == baseline


# --- 4. Kill between blob write and commit ---------------------------------------------------------------


@pytest.mark.parametrize("exc", [SystemExit(1), KeyboardInterrupt()])
def test_kill_between_blob_write_and_commit(blob_store, document_v1, client, manager, monkeypatch, exc):
    document, v1 = document_v1
    baseline = _store_state()
    real_put = storage.blob_put

    def put_then_die(sha256, temp_path):
        real_put(sha256, temp_path)
        raise exc

    monkeypatch.setattr(storage, "blob_put", put_then_die)

    with pytest.raises(type(exc)):
        actions.version_create(document=document, uploaded_file_or_path=Named(V2, "note.txt"), author=manager)

    # The transaction rolled back: no Blob row, no version; the staged temp file is gone.
    assert not Blob.objects.filter(sha256=hashlib.sha256(V2).hexdigest()).exists()
    assert _store_state()[0] == baseline[0]
    _assert_no_new_version(client, document, v1)
    _cleanup()
    assert _store_state() == baseline

    monkeypatch.setattr(storage, "blob_put", real_put)
    _assert_retry_succeeds(client, document)


# --- 3. kill -9 of a real ASGI worker mid-upload (PostgreSQL: the worker needs the test database) ---------

BIG = b"Version 2 : gros rapport annuel, ligne de texte.\n" * 160_000  # ~7.7 MB: spooled to disk by Django

# Runs uvicorn in this process (so the Popen pid is the worker). With R3_SLOW_TEMP set, the upload stalls
# once its first chunk is in the GED temp file, so the test can kill the worker while the .part exists.
_SERVER = """
import os, sys, time
if os.environ.get("R3_SLOW_TEMP"):
    import django
    django.setup()
    from ged import uploads
    real_write = uploads._Writer.write
    def write_then_stall(self, chunk):
        real_write(self, chunk)
        self.tmp.flush()
        time.sleep(120)
    uploads._Writer.write = write_then_stall
if os.environ.get("R3_SLOW_S3"):
    # Each part reaches the bucket, then the upload stalls before CompleteMultipartUpload.
    from botocore.client import BaseClient
    real_call = BaseClient._make_api_call
    def call_then_stall(self, operation, params):
        result = real_call(self, operation, params)
        if operation == "UploadPart":
            time.sleep(120)
        return result
    BaseClient._make_api_call = call_then_stall
import uvicorn
uvicorn.run("intranet.asgi:application", host="127.0.0.1", port=int(sys.argv[1]), lifespan="off",
            log_level="warning", access_log=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    from urllib.parse import quote

    d = connection.settings_dict
    auth = quote(d["USER"] or "", safe="") + (f":{quote(d['PASSWORD'], safe='')}" if d["PASSWORD"] else "")
    return f"postgres://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


def _wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _can_connect(port) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _spooled_bytes(pid) -> int:
    """The largest deleted temp file the worker holds open (where stock Django spools an ASGI body)."""
    best = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).endswith("(deleted)"):
                best = max(best, os.stat(fd).st_size)
        except OSError:
            continue
    return best


def _send_quietly(sock, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.settimeout(None)
        sock.sendall(data)


def _multipart(data: bytes, name: str, boundary: str) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )


@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="the worker subprocess needs a database it can share (the SQLite test database is in memory)",
)
@pytest.mark.parametrize("moment", ["receiving-body", "writing-temp-file"])
@pytest.mark.django_db(transaction=True)
def test_kill_9_of_asgi_worker_mid_upload(moment, settings, tmp_path, document_v1, client, manager):
    from intranet.people.actions import api_token_create

    started = time.monotonic()
    document, v1 = document_v1
    _token, secret = api_token_create(user=manager, name="r3")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    baseline = _store_state()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="intranet.settings.test",
        DATABASE_URL=_database_url(),
        GED_STORAGE_ROOT=settings.GED_STORAGE_ROOT,
        GED_STORAGE_ALIAS="",
        MEDIA_ROOT=settings.MEDIA_ROOT,
        PYTHONUNBUFFERED="1",
        # Django's own spool files (ASGI body, TemporaryFileUploadHandler) go here, not in the shared /tmp.
        TMPDIR=str(tmp_path / "worker-tmp"),
    )
    (tmp_path / "worker-tmp").mkdir()
    if moment == "writing-temp-file":
        env["R3_SLOW_TEMP"] = "1"
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    sock = None
    try:
        _wait_until(lambda: _can_connect(port) or worker.poll() is not None, 20, "the worker to listen")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        boundary = "r3-boundary-7d1f"
        body = _multipart(BIG, "note.txt", boundary)
        head = (
            f"POST /api/v1/ged/documents/{document.pk}/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {secret}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        parts = lambda: [p for p in storage.tmp_dir().iterdir() if p.suffix == ".part"]  # noqa: E731
        if moment == "receiving-body":
            half = len(body) // 2
            sock.sendall(head + body[:half])
            # Proof the worker is mid-body: the body streams into the GED temp file as it arrives (the ASGI
            # handler does not spool it first), which holds a good part of what was sent.
            _wait_until(
                lambda: sum(p.stat().st_size for p in parts()) >= half // 2, 10, "the body in the .part file"
            )
            assert _spooled_bytes(worker.pid) == 0  # and no second copy of it anywhere
        else:
            # The worker reads the body as the upload handler writes it, and that write stalls: the rest of
            # the body waits in the socket buffers, so it is sent from a thread that the kill releases.
            threading.Thread(target=_send_quietly, args=(sock, head + body), daemon=True).start()
            _wait_until(lambda: any(p.stat().st_size > 0 for p in parts()), 10, "a .part temp file")
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=5) == -signal.SIGKILL
    finally:
        if sock is not None:
            sock.close()
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=5)
        log.close()

    # One copy only (no ASGI body spool, no Django upload temp file): what a kill -9 leaves behind is the
    # .part file in the store's tmp dir, which ged_cleanup removes.
    assert [p for p in (tmp_path / "worker-tmp").iterdir() if p.is_file()] == []
    leftover = [p.name for p in storage.tmp_dir().iterdir() if p.suffix == ".part"]
    assert leftover  # what ged_cleanup is for
    _assert_no_new_version(client, document, v1)
    assert not Blob.objects.filter(sha256=hashlib.sha256(BIG).hexdigest()).exists()
    _cleanup()
    assert _store_state() == baseline

    response = client.post(
        f"/api/v1/ged/documents/{document.pk}/versions",
        {"file": Named(BIG, "note.txt")},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2
    v2 = Version.objects.get(document=document, number=2)
    assert v2.blob_id == hashlib.sha256(BIG).hexdigest() and v2.size == len(BIG)
    assert client.get(f"/documents/version/{v2.pk}/telecharger/").getvalue() == BIG
    assert time.monotonic() - started < 30


@pytest.fixture
def s3_prefix(settings, seaweed):  # noqa: F811
    """Uploads and blobs on the session's SeaweedFS under a prefix of this test's own (before document_v1)."""
    return use_s3(settings, seaweed, S3_MULTIPART_CHUNK_MB=5)


def _unfinished_uploads(server, prefix):
    listing = server.client().list_multipart_uploads(Bucket=server.bucket, Prefix=f"{prefix}/")
    return listing.get("Uploads", [])


@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="the worker subprocess needs a database it can share (the SQLite test database is in memory)",
)
@pytest.mark.django_db(transaction=True)
def test_kill_9_of_asgi_worker_mid_s3_upload(
    s3_prefix,
    seaweed,  # noqa: F811
    settings,
    tmp_path,
    document_v1,
    client,
    manager,
):
    """The worker is killed while it sends the blob to S3 in parts (both parts in the bucket, the upload not
    completed): nothing is visible under the hash, no version anywhere, the unfinished multipart upload is
    in the bucket until ged_cleanup aborts it, and the same upload retried succeeds."""
    from intranet.people.actions import api_token_create

    document, v1 = document_v1
    _token, secret = api_token_create(user=manager, name="r3-s3")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="intranet.settings.test",
        DATABASE_URL=_database_url(),
        GED_STORAGE_ROOT=settings.GED_STORAGE_ROOT,
        GED_STORAGE_ALIAS="ged",
        S3_ENDPOINT_URL=seaweed.endpoint_url,
        S3_BUCKET=seaweed.bucket,
        S3_ACCESS_KEY_ID=seaweed.access_key,
        S3_SECRET_ACCESS_KEY=seaweed.secret_key,
        S3_REGION=settings.S3_REGION,
        S3_GED_PREFIX=f"{s3_prefix}/ged",
        S3_MEDIA_PREFIX=f"{s3_prefix}/media",
        S3_MULTIPART_CHUNK_MB="5",
        R3_SLOW_S3="1",
        PYTHONUNBUFFERED="1",
        TMPDIR=str(tmp_path / "worker-tmp"),
    )
    (tmp_path / "worker-tmp").mkdir()
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    sha = hashlib.sha256(BIG).hexdigest()
    upload_thread = None
    try:
        _wait_until(lambda: _can_connect(port) or worker.poll() is not None, 20, "the worker to listen")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()

        def post():
            with contextlib.suppress(OSError):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/v1/ged/documents/{document.pk}/versions",
                    data=_multipart(BIG, "note.txt", "r3-s3"),
                    headers={
                        "Authorization": f"Bearer {secret}",
                        "Content-Type": "multipart/form-data; boundary=r3-s3",
                    },
                )
                urllib.request.urlopen(request, timeout=60)

        upload_thread = threading.Thread(target=post, daemon=True)
        upload_thread.start()

        def parts_in_bucket() -> int:
            uploads = _unfinished_uploads(seaweed, s3_prefix)
            if not uploads:
                return 0
            u = uploads[0]
            listed = seaweed.client().list_parts(Bucket=seaweed.bucket, Key=u["Key"], UploadId=u["UploadId"])
            return len(listed.get("Parts", []))

        _wait_until(lambda: parts_in_bucket() >= 1, 30, "a part of the blob in the bucket")
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(timeout=5) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=5)
        log.close()
        if upload_thread is not None:
            upload_thread.join(timeout=10)

    # Nothing under the hash, no Blob row, no version; the parts wait in an unfinished upload.
    assert storage.blob_modified(sha) is None
    assert not Blob.objects.filter(sha256=sha).exists()
    _assert_no_new_version(client, document, v1)
    [unfinished] = _unfinished_uploads(seaweed, s3_prefix)
    assert unfinished["Key"] == f"{s3_prefix}/ged/{storage.blob_name(sha)}"

    _cleanup()
    assert _unfinished_uploads(seaweed, s3_prefix) == []
    assert [p for p in storage.tmp_dir().iterdir() if p.suffix == ".part"] == []

    response = client.post(
        f"/api/v1/ged/documents/{document.pk}/versions",
        {"file": Named(BIG, "note.txt")},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201, response.content
    v2 = Version.objects.get(document=document, number=2)
    assert v2.blob_id == sha and v2.size == len(BIG)
    assert _download(client, f"/documents/version/{v2.pk}/telecharger/") == (200, BIG)
