"""Issue 12 part 5: ged_cleanup running while the same content is uploaded again never leaves a version
without its file. The cleanup deletes unreferenced rows first (skipping rows an upload holds) and files only
after that commit, under the hash's claim; the upload locks the row it reuses and rewrites a missing file."""

import hashlib
import os
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections  # noqa: F401 - `connection` is read by skipif
from django.utils import timezone

from ged import storage
from ged.actions import blob_file_remove, document_purge, document_trash, document_upload
from ged.models import Blob, Version

from .conftest import Named

ROUNDS = 20
UPLOADERS = 3
CONTENT = b"Bulletin de salaire - contenu identique\n" * 64


def _cleanup():
    # One hour of grace: the uploads' temp files in progress are fresh and stay; the rows and files made
    # old below are past it.
    with open(os.devnull, "w") as devnull:
        call_command("ged_cleanup", ttl_hours=1, stdout=devnull)


def _make_old(sha):
    two_hours_ago = timezone.now() - timedelta(hours=2)
    Blob.objects.filter(sha256=sha).update(created_at=two_hours_ago)
    stamp = two_hours_ago.timestamp()
    os.utime(storage.local_path(sha), (stamp, stamp))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="the race needs concurrent transactions with row locks (PostgreSQL); SQLite serialises writers",
)
def test_reupload_during_cleanup_keeps_every_version_downloadable(client, space, manager):
    errors = []

    def guarded(fn):
        def run(barrier):
            try:
                barrier.wait()
                fn()
            except Exception:  # noqa: BLE001 - reported below with its traceback
                import traceback

                errors.append(traceback.format_exc())
            finally:
                connections.close_all()

        return run

    shas = []
    for round_ in range(ROUNDS):
        content = CONTENT + str(round_).encode()
        sha = hashlib.sha256(content).hexdigest()
        shas.append(sha)
        # The content's row exists, unreferenced and old enough to be swept: its document was purged.
        doc, _v = document_upload(
            folder=space.root, uploaded_file_or_path=Named(content, f"ancien-{round_}.txt"), author=manager
        )
        document_trash(document=doc, actor=manager)
        document_purge(document=doc, actor=manager)
        assert not Version.objects.filter(blob_id=sha).exists()
        _make_old(sha)

        barrier = threading.Barrier(UPLOADERS + 1)
        jobs = [
            guarded(
                lambda n=n, content=content, round_=round_: document_upload(
                    folder=space.root,
                    uploaded_file_or_path=Named(content, f"copie-{round_}-{n}.txt"),
                    author=manager,
                )
            )
            for n in range(UPLOADERS)
        ]
        jobs.append(guarded(_cleanup))
        threads = [threading.Thread(target=job, args=(barrier,)) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[0]
        # The invariant, checked every round: a committed version always has its file.
        assert storage.blob_exists(sha), f"round {round_}: a version points to a deleted file"

    versions = list(Version.objects.filter(blob_id__in=shas).select_related("blob"))
    assert len(versions) == ROUNDS * UPLOADERS
    client.force_login(manager)
    for version in versions:
        response = client.get(f"/documents/version/{version.pk}/telecharger/")
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == version.blob_id
    # And a cleanup afterwards keeps everything that is used.
    _cleanup()
    assert all(storage.blob_exists(sha) for sha in shas)
    assert Blob.objects.filter(sha256__in=shas).count() == ROUNDS


def test_cleanup_sweeps_unused_rows_then_files_and_keeps_used_ones(space, manager, upload):
    kept, _v = upload(space.root, "garde.txt", b"garde")
    gone, _v = upload(space.root, "jete.txt", b"jete")
    document_trash(document=gone, actor=manager)
    document_purge(document=gone, actor=manager)
    kept_sha, gone_sha = (hashlib.sha256(data).hexdigest() for data in (b"garde", b"jete"))
    # Within the grace period nothing is swept, even unreferenced.
    call_command("ged_cleanup", ttl_hours=1, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert Blob.objects.filter(sha256=gone_sha).exists() and storage.blob_exists(gone_sha)
    _make_old(gone_sha)
    _make_old(kept_sha)
    _cleanup()
    assert not Blob.objects.filter(sha256=gone_sha).exists() and not storage.blob_exists(gone_sha)
    assert Blob.objects.filter(sha256=kept_sha).exists() and storage.blob_exists(kept_sha)
    # A file whose row exists is never removed by the claim.
    assert blob_file_remove(kept_sha) is False and storage.blob_exists(kept_sha)


def test_reupload_rewrites_a_missing_file(space, manager, upload):
    doc, _v = upload(space.root, "a.txt", b"meme contenu")
    sha = hashlib.sha256(b"meme contenu").hexdigest()
    storage.blob_delete(sha)  # lost (restored backup without the file, manual deletion…)
    _doc2, version = upload(space.root, "b.txt", b"meme contenu")
    assert version.blob_id == sha and storage.blob_exists(sha)
    with storage.blob_open(sha) as fh:
        assert fh.read() == b"meme contenu"
