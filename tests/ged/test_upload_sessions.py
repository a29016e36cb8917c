"""Resumable uploads (issue 12 part 7): a session, parts at the server's offset, resume after a cut, finish
through the same actions as a single-shot upload; only the owner sees a session; hostile values get French
4xx answers, never a 500."""

import hashlib
import io
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from ged import storage
from ged.actions import (
    IncompleteChunk,
    grant_revoke,
    upload_session_create,
    upload_session_write,
)
from ged.choices import Role
from ged.models import Document, UploadSession, Version
from ged.uploads import session_spool_dir, session_spool_path

pytestmark = pytest.mark.django_db

API = "/api/v1/ged/uploads"


def _bytes(n: int) -> bytes:
    return (hashlib.sha256(b"graine").hexdigest().encode() * (n // 64 + 1))[:n]


def _create(client, **payload):
    return client.post(API, payload, content_type="application/json")


def _put(client, upload_id, data, start, total, **headers):
    end = start + len(data) - 1
    return client.put(
        f"{API}/{upload_id}",
        data=data,
        content_type="application/octet-stream",
        headers={"Content-Range": f"bytes {start}-{end}/{total}", **headers},
    )


@pytest.fixture
def agent(client, manager):
    client.force_login(manager)
    return client


def test_chunked_upload_end_to_end_makes_one_document_with_the_same_bytes(agent, space):
    data = b"Note de service\n" + _bytes(300_000)
    created = _create(agent, folder=space.root.pk, filename="Note.txt", size=len(data), comment="Relu")
    assert created.status_code == 201, created.content
    body = created.json()
    upload_id = body["id"]
    assert len(upload_id) >= 40 and body["offset"] == 0 and body["size"] == len(data)
    for start in range(0, len(data), 100_000):
        part = data[start : start + 100_000]
        answer = _put(agent, upload_id, part, start, len(data))
        assert answer.status_code == 200, answer.content
        assert answer.json()["offset"] == start + len(part)
    assert agent.get(f"{API}/{upload_id}").json()["complete"] is True

    done = agent.post(f"{API}/{upload_id}/finish")
    assert done.status_code == 201, done.content
    document = Document.objects.get(pk=done.json()["id"])
    version = document.current_version
    assert (version.number, version.comment, version.original_name) == (1, "Relu", "Note.txt")
    assert version.blob_id == hashlib.sha256(data).hexdigest()
    with storage.blob_open(version.blob_id) as fh:
        assert fh.read() == data
    # The spool file became the blob (renamed, not copied); the session is over.
    assert not UploadSession.objects.exists()
    assert list(session_spool_dir().iterdir()) == []
    assert agent.get(f"{API}/{upload_id}").status_code == 404


def test_a_cut_part_keeps_what_arrived_and_the_upload_resumes_from_the_server_offset(agent, space, manager):
    data = _bytes(250_000) + b"fin"
    session = upload_session_create(owner=manager, folder=space.root, filename="Plan.txt", size=len(data))
    # The connection drops 70,000 bytes into a 200,000-byte part.
    with pytest.raises(IncompleteChunk) as cut:
        upload_session_write(session=session, offset=0, length=200_000, stream=io.BytesIO(data[:70_000]))
    assert cut.value.offset == 70_000
    # The client stops, comes back, asks where to resume, and sends the rest from there.
    status = agent.get(f"{API}/{session.id}").json()
    assert status["offset"] == 70_000 and status["complete"] is False
    # Resending from 0 (what it had planned) is refused with the offset to use.
    stale = _put(agent, session.id, data[:100_000], 0, len(data))
    assert stale.status_code == 409
    assert stale.json()["offset"] == 70_000 and "70000" in stale.json()["detail"]
    assert _put(agent, session.id, data[70_000:], 70_000, len(data)).status_code == 200
    done = agent.post(f"{API}/{session.id}/finish")
    assert done.status_code == 201, done.content
    version = Version.objects.get()
    assert version.blob_id == hashlib.sha256(data).hexdigest()
    with storage.blob_open(version.blob_id) as fh:
        assert fh.read() == data


def test_offset_parameter_and_a_new_version_of_a_document_keep_the_comment(agent, space, upload):
    document, _v1 = upload(space.root, "Budget.txt", b"version un")
    data = b"version deux, plus longue"
    created = _create(
        agent, document=document.pk, filename="Budget-v2.txt", size=len(data), comment="Chiffres"
    )
    upload_id = created.json()["id"]
    part = agent.put(f"{API}/{upload_id}?offset=0", data=data, content_type="application/octet-stream")
    assert part.status_code == 200, part.content
    done = agent.post(f"{API}/{upload_id}/finish")
    assert done.status_code == 201 and done.json()["version"] == 2
    document.refresh_from_db()
    assert document.current_version.comment == "Chiffres"
    assert Version.objects.filter(document=document).count() == 2


def test_finish_before_every_byte_arrived_answers_409_with_the_offset(agent, space):
    upload_id = _create(agent, folder=space.root.pk, filename="a.txt", size=10).json()["id"]
    _put(agent, upload_id, b"12345", 0, 10)
    early = agent.post(f"{API}/{upload_id}/finish")
    assert early.status_code == 409 and early.json()["offset"] == 5
    _put(agent, upload_id, b"67890", 5, 10)
    assert agent.post(f"{API}/{upload_id}/finish").status_code == 201


def test_someone_elses_session_is_not_found(agent, client, space, make_user, grant):
    other = make_user("autre.agent")
    grant(space.root, Role.EDITOR, user=other)
    upload_id = _create(agent, folder=space.root.pk, filename="a.txt", size=4).json()["id"]
    client.force_login(other)
    assert client.get(f"{API}/{upload_id}").status_code == 404
    assert _put(client, upload_id, b"abcd", 0, 4).status_code == 404
    assert client.post(f"{API}/{upload_id}/finish").status_code == 404
    assert client.delete(f"{API}/{upload_id}").status_code == 404
    assert UploadSession.objects.get().received == 0
    # The owner still can.
    client.force_login(UploadSession.objects.get().owner)
    assert _put(client, upload_id, b"abcd", 0, 4).status_code == 200
    assert client.delete(f"{API}/{upload_id}").status_code == 204
    assert not UploadSession.objects.exists() and not session_spool_path(upload_id).exists()


def test_no_session_where_one_may_not_upload(client, space, make_user, grant):
    reader = make_user("lecteur")
    grant(space.root, Role.READER, user=reader)
    client.force_login(reader)
    refused = _create(client, folder=space.root.pk, filename="a.txt", size=4)
    assert refused.status_code == 404 and refused.json()["detail"]
    assert not UploadSession.objects.exists()


def test_rights_lost_before_the_finish_refuse_it(client, space, manager, make_user, grant):
    editor = make_user("redacteur")
    grant(space.root, Role.EDITOR, user=editor)
    client.force_login(editor)
    upload_id = _create(client, folder=space.root.pk, filename="a.txt", size=4).json()["id"]
    assert _put(client, upload_id, b"abcd", 0, 4).status_code == 200
    grant_revoke(folder=space.root, actor=manager, user=editor)
    assert client.post(f"{API}/{upload_id}/finish").status_code == 404
    assert not Version.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({"filename": "a.txt", "size": 10}, 400, "dossier"),
        ({"folder": True, "filename": "vide.txt", "size": 0}, 422, ""),
        ({"folder": True, "filename": "page.html", "size": 10}, 400, ".html"),
        ({"folder": True, "filename": "enorme.pdf", "size": 501 * 1024 * 1024}, 413, "taille maximale"),
        ({"folder": True, "filename": "a.txt", "size": 2**60}, 422, ""),
        ({"folder": True, "filename": "a.txt", "size": 10, "inconnu": 1}, 422, ""),
        ({"folder": True, "document": 1, "filename": "a.txt", "size": 10}, 400, "un seul"),
    ],
)
def test_hostile_session_requests_get_french_4xx(agent, space, payload, status, words):
    if payload.get("folder"):
        payload = {**payload, "folder": space.root.pk}
    answer = _create(agent, **payload)
    assert answer.status_code == status, answer.content
    assert words in answer.json()["detail"]
    assert not UploadSession.objects.exists()
    # The valid request goes through.
    assert _create(agent, folder=space.root.pk, filename="a.txt", size=10).status_code == 201


def test_hostile_parts_get_french_4xx_and_change_nothing(agent, space, settings):
    settings.GED_UPLOAD_CHUNK_MAX_MB = 1
    upload_id = _create(agent, folder=space.root.pk, filename="a.txt", size=2_000_000).json()["id"]
    url = f"{API}/{upload_id}"
    cases = [
        (_put(agent, upload_id, b"x" * (1024 * 1024 + 1), 0, 2_000_000), 413, "1 Mo"),
        (_put(agent, upload_id, b"abc", 1_999_999, 2_000_000), 409, "0"),
        (agent.put(url, data=b"abc", content_type="application/octet-stream"), 400, "Content-Range"),
        (
            agent.put(url, data=b"abc", content_type="a/b", headers={"Content-Range": "octets 0-2/9"}),
            400,
            "bytes",
        ),
        (
            agent.put(url, data=b"abc", content_type="a/b", headers={"Content-Range": "bytes 0-9/2000000"}),
            400,
            "",
        ),
        (
            agent.put(url, data=b"abc", content_type="a/b", headers={"Content-Range": "bytes 0-2/7"}),
            400,
            "taille",
        ),
        (agent.put(url + "?offset=-1", data=b"abc", content_type="a/b"), 422, ""),
        (agent.put(url + "?offset=abc", data=b"abc", content_type="a/b"), 422, ""),
        (agent.put(url + "?offset=0", data=b"", content_type="a/b"), 411, "Content-Length"),
        (agent.put(f"{API}/court", data=b"abc", content_type="a/b"), 422, ""),
        (agent.put(f"{API}/{'A' * 43}?offset=0", data=b"abc", content_type="a/b"), 404, ""),
    ]
    for answer, status, words in cases:
        assert answer.status_code == status, (status, answer.content)
        assert words in answer.json()["detail"]
    assert UploadSession.objects.get().received == 0
    # A part past the declared end.
    small = _create(agent, folder=space.root.pk, filename="b.txt", size=3).json()["id"]
    past = agent.put(f"{API}/{small}?offset=0", data=b"abcd", content_type="a/b")
    assert past.status_code == 400 and "taille annoncée" in past.json()["detail"]
    # The valid request goes through.
    assert agent.put(f"{API}/{small}?offset=0", data=b"abc", content_type="a/b").status_code == 200


def test_a_file_refused_at_the_finish_ends_the_session(agent, space):
    data = b"pas un PDF du tout"
    upload_id = _create(agent, folder=space.root.pk, filename="faux.pdf", size=len(data)).json()["id"]
    _put(agent, upload_id, data, 0, len(data))
    refused = agent.post(f"{API}/{upload_id}/finish")
    assert refused.status_code == 400 and "ne correspond pas" in refused.json()["detail"]
    assert not UploadSession.objects.exists() and list(session_spool_dir().iterdir()) == []
    assert not Version.objects.exists()


def test_too_many_open_sessions_are_refused(agent, space, settings):
    settings.GED_UPLOAD_SESSIONS_PER_USER = 2
    for _ in range(2):
        assert _create(agent, folder=space.root.pk, filename="a.txt", size=3).status_code == 201
    third = _create(agent, folder=space.root.pk, filename="a.txt", size=3)
    assert third.status_code == 400 and "envois en cours" in third.json()["detail"]


def test_ged_cleanup_sweeps_expired_sessions_and_stray_spool_files(agent, space, manager):
    live = upload_session_create(owner=manager, folder=space.root, filename="vivant.txt", size=4)
    old = upload_session_create(owner=manager, folder=space.root, filename="vieux.txt", size=4)
    upload_session_write(session=old, offset=0, length=2, stream=io.BytesIO(b"ab"))
    UploadSession.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    stray = session_spool_dir() / "orphelin.part"
    stray.write_bytes(b"reste")
    two_hours_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    os.utime(stray, (two_hours_ago, two_hours_ago))
    fresh_stray = session_spool_dir() / "en-cours.part"  # just created: may belong to a session being made
    fresh_stray.write_bytes(b"")
    out = io.StringIO()
    call_command("ged_cleanup", stdout=out)
    assert "1 envoi(s) expiré(s)" in out.getvalue()
    assert list(UploadSession.objects.values_list("pk", flat=True)) == [live.pk]
    assert not session_spool_path(old.pk).exists() and not stray.exists()
    assert session_spool_path(live.pk).exists() and fresh_stray.exists()
    # The expired session is gone for its owner too.
    assert agent.get(f"{API}/{old.pk}").status_code == 404


def test_api_multipart_upload_goes_through_the_ged_upload_handler(agent, space, settings):
    """No Django default handler is involved: with none configured, the API still receives the file."""
    settings.FILE_UPLOAD_HANDLERS = []
    data = io.BytesIO(b"contenu direct")
    data.name = "direct.txt"
    answer = agent.post(f"/api/v1/ged/folders/{space.root.pk}/documents", {"file": data, "comment": "API"})
    assert answer.status_code == 201, answer.content
    version = Document.objects.get(pk=answer.json()["id"]).current_version
    assert version.comment == "API" and version.blob_id == hashlib.sha256(b"contenu direct").hexdigest()
    assert [p for p in storage.tmp_dir().iterdir() if p.is_file()] == []


def test_api_multipart_upload_over_the_limit_is_413_and_leaves_nothing(agent, space, settings):
    settings.GED_MAX_UPLOAD_MB = 1
    data = io.BytesIO(b"a" * (1024 * 1024 + 1))
    data.name = "gros.txt"
    answer = agent.post(f"/api/v1/ged/folders/{space.root.pk}/documents", {"file": data})
    assert answer.status_code == 413 and "taille maximale" in answer.json()["detail"]
    assert [p for p in storage.tmp_dir().iterdir() if p.is_file()] == []


def test_a_nul_in_the_comment_or_name_is_dropped_not_a_500(agent, space):
    created = _create(agent, folder=space.root.pk, filename="No\x00te.txt", size=3, comment="Re\x00lu")
    assert created.status_code == 201, created.content
    upload_id = created.json()["id"]
    _put(agent, upload_id, b"abc", 0, 3)
    done = agent.post(f"{API}/{upload_id}/finish")
    assert done.status_code == 201
    version = Version.objects.get()
    assert "\x00" not in version.comment + version.original_name


def test_a_finish_while_someone_else_holds_the_document_waits_for_the_release(
    agent, space, upload, make_user, grant
):
    from ged.actions import document_lock, document_unlock

    document, _v1 = upload(space.root, "Budget.txt", b"version un")
    other = make_user("collegue")
    grant(space.root, Role.EDITOR, user=other)
    upload_id = _create(agent, document=document.pk, filename="Budget.txt", size=4).json()["id"]
    _put(agent, upload_id, b"deux", 0, 4)
    document_lock(document=document, actor=other)
    # Checked out by someone else: no new version now (as for any upload), and the bytes stay.
    assert agent.post(f"{API}/{upload_id}/finish").status_code == 404
    assert Version.objects.filter(document=document).count() == 1
    assert UploadSession.objects.get().received == 4
    document_unlock(document=document, actor=other)
    done = agent.post(f"{API}/{upload_id}/finish")
    assert done.status_code == 201 and done.json()["version"] == 2


def test_a_part_without_the_csrf_token_is_refused_under_a_browser_session(space, manager):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)
    session = upload_session_create(owner=manager, folder=space.root, filename="a.txt", size=3)
    refused = _put(browser, session.id, b"abc", 0, 3)
    assert refused.status_code == 403 and refused.json()["detail"]
    browser.get("/documents/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    assert _put(browser, session.id, b"abc", 0, 3, **{"X-CSRFToken": token}).status_code == 200
