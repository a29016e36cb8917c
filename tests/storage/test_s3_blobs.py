"""GED blobs on S3 (SeaweedFS, signed requests only): content-addressed keys, dedupe by one HEAD, multipart
uploads streamed from the temp file, nothing visible under the hash after an interrupted upload, downloads as
a presigned redirect (or an nginx relay) with our headers and Range, unsigned and expired GETs refused."""

import hashlib
import io
import os
import socket
import time
import tracemalloc
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import storages
from django.core.management import call_command

from ged import storage
from ged.models import Version
from intranet.audit.models import AccessEvent

from .conftest import S3Calls

DATA = "".join(f"Délibération, ligne {i:04d}\n" for i in range(400)).encode()


def _get(url, headers=None):
    """(status, headers, body) of a plain HTTP GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _object(server, prefix, sha):
    key = f"{prefix}/ged/{storage.blob_name(sha)}"
    return server.client().get_object(Bucket=server.bucket, Key=key)["Body"].read()


def test_upload_lands_in_the_bucket_under_its_hash(s3, space, upload):
    server, prefix = s3
    _document, version = upload(space.root, "note.txt", DATA)
    sha = hashlib.sha256(DATA).hexdigest()
    assert version.blob_id == sha
    assert _object(server, prefix, sha) == DATA
    # Nothing on the local disk but the (empty) tmp dir: the blob went to the bucket only.
    assert storage.local_path(sha) is None
    assert list(storage.tmp_dir().iterdir()) == []
    assert storage.blob_list() == [sha]


def test_same_content_is_one_head_and_no_upload(s3, space, upload):
    """Dedupe: the second upload of the same bytes sends one HEAD and no PUT; new bytes send HEAD + PUT."""
    upload(space.root, "a.txt", DATA)
    calls = S3Calls(storages["ged"].client)
    upload(space.root, "b.txt", DATA)
    # (The text extraction run on commit reads the blob back: a GetObject, not a write.)
    writes = ("PutObject", "CreateMultipartUpload", "UploadPart", "CopyObject")
    assert calls.count("HeadObject") == 1 and not any(calls.count(w) for w in writes), calls.names
    calls.clear()
    upload(space.root, "c.txt", DATA + b"!")
    assert calls.count("HeadObject") == 1 and calls.count("PutObject") == 1, calls.names
    assert Version.objects.values("blob_id").distinct().count() == 2


def test_large_blob_is_sent_in_parts_never_read_whole(s3, settings, tmp_path):
    """24 MB in 5 MB parts: a multipart upload, and the Python heap never holds more than two parts' worth
    (the whole file would be 24 MB)."""
    settings.S3_MULTIPART_CHUNK_MB = 5
    storages._storages.pop("ged", None)  # rebuilt with the new part size
    server, prefix = s3
    path = tmp_path / "big.bin"
    block = os.urandom(1024 * 1024)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for i in range(24):
            chunk = block[i:] + block[:i]
            fh.write(chunk)
            digest.update(chunk)
    sha = digest.hexdigest()
    calls = S3Calls(storages["ged"].client)
    tracemalloc.start()
    try:
        storage.blob_put(sha, path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert calls.count("CreateMultipartUpload") == 1 and calls.count("UploadPart") == 5
    assert calls.count("CompleteMultipartUpload") == 1
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert not path.exists()  # the temp file is consumed
    # Read back streaming: ranged and whole, same bytes.
    head = storages["ged"].head_size(storage.blob_name(sha))
    assert head == 24 * 1024 * 1024
    check = hashlib.sha256()
    with storage.blob_open(sha) as body:
        while data := body.read(1024 * 1024):
            check.update(data)
    assert check.hexdigest() == sha
    with storage.blob_read_range(sha, 5 * 1024 * 1024 - 3, 6) as part:
        # The last three bytes of the fifth MiB, the first three of the sixth.
        assert part.read() == (block[4:] + block[:4])[-3:] + (block[5:] + block[:5])[:3]


def test_interrupted_put_leaves_nothing_under_the_key(s3):
    """S3 shows an object only when its upload completes: a PUT cut after half its body (a dropped
    connection, a killed worker) leaves no object, so a truncated blob can never sit under its hash."""
    server, prefix = s3
    key = f"{prefix}/ged/blobs/cut"
    body = os.urandom(2 * 1024 * 1024)
    url = server.client().generate_presigned_url(
        "put_object", Params={"Bucket": server.bucket, "Key": key}, ExpiresIn=60
    )
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(
        (
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body[: len(body) // 2]
    )
    time.sleep(0.3)
    sock.close()
    time.sleep(0.5)
    client = server.client()
    assert client.list_objects_v2(Bucket=server.bucket, Prefix=key).get("KeyCount", 0) == 0
    # The same PUT completed does store it (the refusal above was for the cut, not the request).
    client.put_object(Bucket=server.bucket, Key=key, Body=body)
    assert client.head_object(Bucket=server.bucket, Key=key)["ContentLength"] == len(body)


@pytest.fixture
def s3_doc(s3, space, upload):
    document, version = upload(space.root, "Délibération n°12 « budget ».pdf", b"%PDF-1.4\n" + DATA)
    return document, version


def test_download_redirects_to_a_presigned_get_with_our_headers(s3_doc, client, manager):
    """After the permission check and the audit event, a 302 to the bucket; the store answers the same bytes
    with our Content-Disposition (RFC 5987 name) and Content-Type, and honours Range."""
    document, _version = s3_doc
    full = b"%PDF-1.4\n" + DATA
    client.force_login(manager)
    response = client.get(f"/documents/document/{document.pk}/telecharger/")
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    assert AccessEvent.objects.filter(action="ged.download", object_id=str(document.pk)).count() == 1
    location = response["Location"]
    status, headers, body = _get(location)
    assert status == 200 and body == full
    assert headers["Content-Disposition"] == (
        'attachment; filename="Deliberation n12  budget .pdf"; '
        "filename*=UTF-8''D%C3%A9lib%C3%A9ration%20n%C2%B012%20%C2%AB%20budget%20%C2%BB.pdf"
    )
    assert headers["Content-Type"] == "application/pdf"
    status, headers, body = _get(location, {"Range": "bytes=10-19"})
    assert status == 206 and body == full[10:20]
    assert headers["Content-Range"] == f"bytes 10-19/{len(full)}"
    # Inline preview of a safe type: the store is told "inline".
    preview = client.get(f"/documents/document/{document.pk}/telecharger/?apercu=1")
    assert _get(preview["Location"])[1]["Content-Disposition"].startswith("inline;")


def test_download_of_a_document_one_may_not_read_is_404_without_url(s3_doc, client, make_user):
    document, _version = s3_doc
    client.force_login(make_user("curieux"))
    response = client.get(f"/documents/document/{document.pk}/telecharger/")
    assert response.status_code == 404 and "Location" not in response


def test_unsigned_expired_and_tampered_gets_are_refused(s3_doc, settings):
    """The identity file is in force: a GET without a signature, after expiry, or with another key is 403."""
    _document, version = s3_doc
    store = storages["ged"]
    key = store.key(storage.blob_name(version.blob_id))
    assert _get(f"{settings.S3_ENDPOINT_URL}/{settings.S3_BUCKET}/{key}")[0] == 403
    url = store.presigned_get(storage.blob_name(version.blob_id), expire=1)
    assert _get(url)[0] == 200  # valid while fresh
    time.sleep(2.2)
    assert _get(url)[0] == 403
    fresh = store.presigned_get(storage.blob_name(version.blob_id))
    tampered = fresh.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert _get(tampered)[0] == 403
    other_key = fresh.replace(version.blob_id, "0" * 64)
    assert _get(other_key)[0] == 403


def test_download_through_nginx_relay_header(s3_doc, client, manager, settings):
    """With S3_PROXY_THROUGH_NGINX the app sends no body: X-Accel-Redirect to `<prefix>/<bucket>/<key>?<signed
    query>`; relaying that path and query to the endpoint (what nginx's internal location does) gives the
    bytes, Range included."""
    settings.S3_PROXY_THROUGH_NGINX = True
    settings.S3_NGINX_PREFIX = "/_s3"
    document, version = s3_doc
    full = b"%PDF-1.4\n" + DATA
    client.force_login(manager)
    response = client.get(f"/documents/document/{document.pk}/telecharger/")
    assert response.status_code == 200 and response.content == b""
    accel = response["X-Accel-Redirect"]
    key = storages["ged"].key(storage.blob_name(version.blob_id))
    assert accel.startswith(f"/_s3/{settings.S3_BUCKET}/{key}?") and "X-Amz-Signature=" in accel
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    relayed = settings.S3_ENDPOINT_URL + accel.removeprefix("/_s3")
    assert _get(relayed)[2] == full
    assert _get(relayed, {"Range": "bytes=-4"})[2] == full[-4:]


def test_ged_cleanup_removes_orphan_objects_past_the_ttl_only(s3, space, upload):
    """ged_cleanup on S3: an object no Blob row references (a rolled-back upload) is listed and deleted once
    older than the TTL; referenced blobs stay; a young orphan is kept within the TTL."""
    server, prefix = s3
    _document, version = upload(space.root, "garde.txt", DATA)
    orphan = b"Orphelin : transaction annulee.\n"
    sha = hashlib.sha256(orphan).hexdigest()
    tmp = storage.new_temp_file()
    tmp.write(orphan)
    tmp.close()
    storage.blob_put(sha, tmp.name)
    assert sorted(storage.blob_list()) == sorted([version.blob_id, sha])
    call_command("ged_cleanup", stdout=io.StringIO())  # default TTL: too young to go
    assert storage.blob_exists(sha)
    call_command("ged_cleanup", ttl_hours=0, stdout=io.StringIO())
    assert not storage.blob_exists(sha)
    assert storage.blob_list() == [version.blob_id] and _object(server, prefix, version.blob_id) == DATA


def test_one_client_serves_every_thread(s3):
    """Under ASGI each request's sync code runs in a thread of its own: the store's boto3 client is built once
    per process and shared (clients are thread-safe), not once per thread (80-380 ms each time)."""
    import threading

    store = storages["ged"]
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(store.client)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 3 and all(client is store.client for client in seen)
