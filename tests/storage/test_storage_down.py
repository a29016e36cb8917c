"""Storage down (R3 on S3): SeaweedFS killed in the middle of a multipart upload of a new version. The agent
gets the French 503 page (not a 500), no version is created, nothing is left under the hash, and the same
upload succeeds once the store is back. A separate short-lived SeaweedFS (the session's one is never
killed)."""

import hashlib
import io

import pytest
from django.core.files.storage import storages

from ged import storage
from ged.models import Blob, Version
from intranet.ops.readiness import run_checks
from tests.seaweed import start_seaweed, use_s3

from .conftest import S3Calls

MB = 1024 * 1024
V1 = b"Version 1 : compte rendu du conseil.\n"
V2 = b"Version 2 : rapport annuel, ligne de texte.\n" * (12 * MB // 44)  # ~12 MB: three 5 MB parts


class Named(io.BytesIO):
    def __init__(self, data, name):
        super().__init__(data)
        self.name = name


@pytest.fixture
def own_seaweed(tmp_path):
    server = start_seaweed(tmp_path / "seaweed-down")
    try:
        yield server
    finally:
        server.stop()


def _ready() -> dict:
    return {result.name: result.ok for result in run_checks()}


def _post_version(client, document, data):
    return client.post(
        f"/documents/document/{document.pk}/nouvelle-version/",
        {"file": Named(data, "note.txt"), "base_version": 1, "comment": ""},
        headers={"Accept": "text/html"},
    )


def test_store_killed_mid_upload_gives_503_and_no_version(
    own_seaweed, settings, space, upload, manager, client
):
    use_s3(settings, own_seaweed, S3_MULTIPART_CHUNK_MB=5, S3_TIMEOUT_SECONDS=2)
    document, v1 = upload(space.root, "note.txt", V1)
    client.force_login(manager)
    client.raise_request_exception = False
    sha = hashlib.sha256(V2).hexdigest()

    calls = S3Calls(storages["ged"].client)

    def kill_after_first_part(**kwargs):
        own_seaweed.kill()

    storages["ged"].client.meta.events.register_first("after-call.s3.UploadPart", kill_after_first_part)
    response = _post_version(client, document, V2)
    storages["ged"].client.meta.events.unregister("after-call.s3.UploadPart", kill_after_first_part)

    assert calls.count("CreateMultipartUpload") == 1 and calls.count("UploadPart") >= 1  # killed mid-upload
    assert response.status_code == 503
    page = response.content.decode()
    assert "<html" in page and 'lang="fr"' in page
    assert response.get("Retry-After")
    assert list(Version.objects.filter(document=document).values_list("number", flat=True)) == [1]
    assert not Blob.objects.filter(sha256=sha).exists()
    assert list(storage.tmp_dir().iterdir()) == []  # the staged temp file is gone too

    assert _ready()["s3"] is False  # /readyz says so too (one HEAD of the bucket)

    own_seaweed.restart()
    assert _ready()["s3"] is True
    # Nothing under the hash: the interrupted multipart upload was never completed.
    assert not storage.blob_exists(sha)
    assert storage.blob_exists(v1.blob_id)
    retry = _post_version(client, document, V2)
    assert retry.status_code in (200, 302), retry.status_code
    v2 = Version.objects.get(document=document, number=2)
    assert v2.blob_id == sha and storages["ged"].head_size(storage.blob_name(sha)) == len(V2)
