"""`manage.py storage_migrate`: a local store (GED blobs, Wagtail media) copied to S3 with every SHA-256
read back; a second run sends nothing; a corrupted object is detected, reported, removed, and the command
fails; the next run repairs it."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from ged import storage
from intranet.storage.backends import IntranetS3Storage
from tests.seaweed import use_s3

DOCS = {f"note-{i}.txt": f"Note de service n°{i}\n".encode() * (i + 1) for i in range(3)}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("storage_migrate", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


@pytest.fixture
def local_store(settings, tmp_path, space, upload):
    """Three GED documents and two media files on the local disk, before S3 is configured."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    versions = [upload(space.root, name, data)[1] for name, data in DOCS.items()]
    media = Path(settings.MEDIA_ROOT)
    (media / "original_images").mkdir(parents=True)
    (media / "original_images" / "affiche.png").write_bytes(PNG)
    (media / "documents").mkdir()
    (media / "documents" / "reglement.pdf").write_bytes(b"%PDF-1.4\n" * 1000)
    return versions


def _remote_sha(store, name):
    with store.open_stream(name) as body:
        return hashlib.sha256(body.read()).hexdigest()


def test_migrate_copies_verifies_and_resumes(local_store, settings, seaweed, client, manager):
    use_s3(settings, seaweed)
    ok, out, _err = _run()
    assert ok, out
    assert "5 fichier(s) : 5 copié(s) et vérifié(s)" in out and "0 en erreur" in out
    blobs, media = storages["ged"], storages["default"]
    for version in local_store:
        assert _remote_sha(blobs, storage.blob_name(version.blob_id)) == version.blob_id
    assert _remote_sha(media, "original_images/affiche.png") == hashlib.sha256(PNG).hexdigest()
    assert media.head_size("documents/reglement.pdf") == 9000
    # The GED now reads from the bucket: the download redirects to S3 and the bytes are the same.
    client.force_login(manager)
    response = client.get(f"/documents/document/{local_store[0].document_id}/telecharger/")
    assert response.status_code == 302 and seaweed.endpoint_url in response["Location"]
    # Second run: everything is already there, nothing is sent.
    ok, out, _err = _run()
    assert ok and "0 copié(s)" in out and "5 déjà présent(s)" in out


def test_corrupted_upload_is_detected_removed_and_resent(
    local_store, settings, seaweed, monkeypatch, tmp_path
):
    use_s3(settings, seaweed)
    victim = storage.blob_name(local_store[1].blob_id)
    real_put = IntranetS3Storage.put_file

    def put_corrupted(self, name, path, **kwargs):
        if name == victim:  # the bytes arrive altered (a faulty proxy, a disk error on the store)
            bad = tmp_path / "bad"
            data = bytearray(Path(path).read_bytes())
            data[0] ^= 0xFF
            bad.write_bytes(bytes(data))
            path = bad
        return real_put(self, name, path, **kwargs)

    monkeypatch.setattr(IntranetS3Storage, "put_file", put_corrupted)
    ok, out, err = _run()
    assert not ok
    assert storages["ged"].key(victim) in err and "1 en erreur" in out and "4 copié(s)" in out
    assert storages["ged"].head(victim) is None  # removed, so a resumed run sends it again

    monkeypatch.setattr(IntranetS3Storage, "put_file", real_put)
    ok, out, _err = _run()
    assert ok and "1 copié(s)" in out and "4 déjà présent(s)" in out
    assert _remote_sha(storages["ged"], victim) == local_store[1].blob_id


def test_verify_existing_finds_an_object_altered_in_the_bucket(local_store, settings, seaweed):
    """An object changed after its copy (same size, same recorded hash) passes the quick resume test but not
    --verify-existing, which reads every object back."""
    use_s3(settings, seaweed)
    assert _run()[0]
    store = storages["default"]
    key = store.key("documents/reglement.pdf")
    meta = store.head("documents/reglement.pdf")
    seaweed.client().put_object(
        Bucket=seaweed.bucket, Key=key, Body=b"%PDF-1.5\n" * 1000, Metadata=meta["Metadata"]
    )
    assert _run()[0]  # size and recorded hash unchanged: skipped
    ok, out, err = _run("--verify-existing")
    assert not ok and key in err and "1 en erreur" in out


def test_without_s3_settings_the_command_refuses(settings):
    settings.S3_ENABLED = False
    ok, _out, err = _run()
    assert not ok and "S3_BUCKET" in err
