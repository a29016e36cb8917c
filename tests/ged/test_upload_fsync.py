"""Acknowledged upload bytes survive a power cut (issue 12 part 7): each part's bytes are fsynced once,
before the session row records them as received; the spool file's and the blob's directory entries are
synced when the file is created and when the finish renames it into the store."""

import os

import pytest

from ged import storage
from ged.models import UploadSession
from ged.uploads import session_spool_path

pytestmark = pytest.mark.django_db

API = "/api/v1/ged/uploads"


@pytest.fixture
def fsyncs(monkeypatch):
    """Every os.fsync: (path of the descriptor, the session's `received` in the database at that moment)."""
    calls = []
    real = os.fsync

    def spy(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        row = UploadSession.objects.values_list("received", flat=True).first()
        calls.append((path, row))
        return real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return calls


def _put(client, upload_id, data, start, total):
    return client.put(
        f"{API}/{upload_id}",
        data=data,
        content_type="application/octet-stream",
        headers={"Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}"},
    )


def test_each_part_is_fsynced_once_before_it_is_recorded(client, manager, space, fsyncs):
    client.force_login(manager)
    created = client.post(
        API, {"folder": space.root.pk, "filename": "b.txt", "size": 10}, content_type="application/json"
    )
    upload_id = created.json()["id"]
    spool = os.path.realpath(session_spool_path(upload_id))
    assert fsyncs == [(os.path.dirname(spool), 0)]  # the new spool file's name
    fsyncs.clear()

    assert _put(client, upload_id, b"abcd", 0, 10).status_code == 200
    assert fsyncs == [(spool, 0)]  # one fsync for the part, while the row still said 0
    assert _put(client, upload_id, b"efghij", 4, 10).status_code == 200
    assert fsyncs == [(spool, 0), (spool, 4)]
    assert UploadSession.objects.get().received == 10
    fsyncs.clear()

    finished = client.post(f"{API}/{upload_id}/finish")
    assert finished.status_code == 201, finished.content
    blob = os.path.realpath(storage.local_path(_sha(b"abcdefghij")))
    synced = [path for path, _row in fsyncs]
    # The renamed blob's directory, then each shard directory made for it, up to one that existed.
    assert synced[0] == os.path.dirname(blob)
    assert os.path.dirname(os.path.dirname(blob)) in synced


def test_a_failing_fsync_records_nothing(client, manager, space, monkeypatch):
    client.force_login(manager)
    upload_id = client.post(
        API, {"folder": space.root.pk, "filename": "c.txt", "size": 4}, content_type="application/json"
    ).json()["id"]

    def broken(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    client.raise_request_exception = False
    response = _put(client, upload_id, b"abcd", 0, 4)
    assert response.status_code >= 500
    assert UploadSession.objects.get().received == 0  # not acknowledged, not recorded: sent again later
    monkeypatch.undo()
    client.force_login(manager)
    assert _put(client, upload_id, b"abcd", 0, 4).status_code == 200


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
