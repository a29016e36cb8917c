"""Downloads: audit, Range, ETag, RFC 6266 name, nosniff, sandbox CSP, X-Accel-Redirect, async streaming."""

import pytest
from django.test import AsyncClient

from intranet.audit.models import AccessEvent

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def doc(space, upload):
    document, version = upload(space.root, "Délibération n°12 « budget ».pdf", b"%PDF-1.4\n" + DATA)
    return document, version


def _body(response):
    return b"".join(response.streaming_content)


def test_download_headers_and_audit(client, manager, doc):
    document, version = doc
    client.force_login(manager)
    response = client.get(f"/documents/document/{document.pk}/telecharger/")
    assert response.status_code == 200
    assert _body(response) == b"%PDF-1.4\n" + DATA
    assert response["ETag"] == f'"{version.blob_id}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Deliberation n12  budget .pdf"; '
        "filename*=UTF-8''D%C3%A9lib%C3%A9ration%20n%C2%B012%20%C2%AB%20budget%20%C2%BB.pdf"
    )
    event = AccessEvent.objects.get(action="ged.download")
    assert event.actor == manager and event.object_id == str(document.pk)


def test_range_requests(client, manager, doc):
    document, _version = doc
    client.force_login(manager)
    url = f"/documents/document/{document.pk}/telecharger/"
    full = b"%PDF-1.4\n" + DATA
    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and _body(part) == full[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(full)}" and part["Content-Length"] == "10"
    suffix = client.get(url, headers={"Range": "bytes=-5"})
    assert _body(suffix) == full[-5:]
    open_end = client.get(url, headers={"Range": "bytes=10240-"})
    assert _body(open_end) == full[10240:]
    bad = client.get(url, headers={"Range": f"bytes={len(full) + 5}-"})
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(full)}"
    stale = client.get(url, headers={"Range": "bytes=0-1", "If-Range": '"autre"'})
    assert stale.status_code == 200


def test_etag_gives_304(client, manager, doc):
    document, version = doc
    client.force_login(manager)
    response = client.get(
        f"/documents/document/{document.pk}/telecharger/", headers={"If-None-Match": f'"{version.blob_id}"'}
    )
    assert response.status_code == 304


def test_old_version_download_names_the_version(client, manager, doc):
    from ged.actions import version_create

    from .conftest import Named

    document, v1 = doc
    version_create(document=document, uploaded_file_or_path=Named(b"%PDF-1.4\nv2", "x.pdf"), author=manager)
    client.force_login(manager)
    response = client.get(f"/documents/version/{v1.pk}/telecharger/")
    assert "(v1).pdf" in response["Content-Disposition"]
    assert _body(response).endswith(DATA)


def test_x_accel_redirect_when_configured(client, manager, doc, settings):
    settings.GED_ACCEL_REDIRECT_PREFIX = "/_ged_blobs/"
    document, version = doc
    client.force_login(manager)
    response = client.get(f"/documents/document/{document.pk}/telecharger/")
    sha = version.blob_id
    assert response["X-Accel-Redirect"] == f"/_ged_blobs/{sha[:2]}/{sha[2:4]}/{sha}"
    assert response.content == b"" and response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db(transaction=True)
async def test_asgi_download_streams_asynchronously(manager, doc):
    """Under ASGI the body is an async iterator read in chunks, never a list of the whole file."""
    from asgiref.sync import sync_to_async

    document, _version = doc
    client = AsyncClient()
    await sync_to_async(client.force_login)(manager)
    response = await client.get(f"/documents/document/{document.pk}/telecharger/")
    assert response.status_code == 200
    assert response.is_async
    chunks = [c async for c in response.streaming_content]
    assert b"".join(chunks) == b"%PDF-1.4\n" + DATA


@pytest.mark.django_db(transaction=True)
async def test_asgi_range_read_in_batches_sent_in_chunks(manager, doc, settings, monkeypatch):
    """Several chunks are read per thread hop (READ_AHEAD_BYTES) into reused buffers, each still sent as its
    own part of at most GED_DOWNLOAD_CHUNK_KB; a Range that ends mid-batch and mid-chunk gives exactly its
    bytes."""
    from asgiref.sync import sync_to_async

    from ged import downloads

    settings.GED_DOWNLOAD_CHUNK_KB = 1
    monkeypatch.setattr(downloads, "READ_AHEAD_BYTES", 3 * 1024)  # three chunks a hop
    reads = []
    real = downloads._read_into
    monkeypatch.setattr(downloads, "_read_into", lambda *a: reads.append(a[2]) or real(*a))
    document, _version = doc
    body = b"%PDF-1.4\n" + DATA
    client = AsyncClient()
    await sync_to_async(client.force_login)(manager)
    url = f"/documents/document/{document.pk}/telecharger/"
    response = await client.get(url, headers={"Range": "bytes=100-7000"})
    assert response.status_code == 206
    chunks = [c async for c in response.streaming_content]
    assert b"".join(chunks) == body[100:7001]
    assert [len(c) for c in chunks] == [1024] * 6 + [6901 - 6 * 1024]
    assert reads == [6901, 6901 - 3 * 1024, 6901 - 6 * 1024]
    assert len({id(c) for c in chunks}) == len(chunks)  # each part its own bytes, not a reused buffer


def test_api_download_and_listing(client, manager, doc):
    document, version = doc
    client.force_login(manager)
    versions = client.get(f"/api/v1/ged/documents/{document.pk}/versions").json()
    assert versions[0]["number"] == 1
    response = client.get(versions[0]["download_url"])
    assert _body(response).endswith(DATA)
