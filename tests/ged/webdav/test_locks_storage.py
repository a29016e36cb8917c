"""ged.webdav.locks: wsgidav's LockManager over the GED's check-outs and DavLock rows (no HTTP here; the
replays and litmus drive the same code over the wire)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wsgidav.dav_error import HTTP_LOCKED, DAVError
from wsgidav.lock_man.lock_manager import LockManager

from ged.actions import document_lock, document_unlock, document_upload
from ged.models import DavLock, Document
from ged.queries import recent_documents
from ged.queries.activity import activity
from ged.queries.search import search_documents
from ged.webdav.locks import (
    CHECKOUT_TOKEN,
    DavRequestScope,
    GedLockStorage,
    placeholder_create,
    placeholders_sweep,
    ref_urls,
    resolve,
)
from tests.ged.conftest import Named

OWNER = b'<D:owner xmlns:D="DAV:">Word</D:owner>'


@pytest.fixture
def upload(manager):
    """The GED's upload action, without its on-commit work (text extraction is not under test here)."""

    def do(folder, name, data):
        return document_upload(folder=folder, uploaded_file_or_path=Named(data, name), author=manager)

    return do


@pytest.fixture
def lm(db):
    return LockManager(GedLockStorage())


@pytest.fixture
def writer(make_user, space, grant):
    user = make_user("redacteur", first_name="Rémi", last_name="Rédacteur")
    grant(space.root, "contributor", user=user)
    return user


@pytest.fixture
def colleague(make_user, space, grant):
    user = make_user("collegue", first_name="Colette", last_name="Collègue")
    grant(space.root, "contributor", user=user)
    return user


@pytest.fixture
def doc(space, subfolder, upload):
    folder = subfolder(space.root, "Procédures")
    document, _ = upload(folder, "Congés été.docx".replace(".docx", ".txt"), b"v1")
    return document


def _url(document):
    return ref_urls(documents=[document])[("document", document.pk)]


def _lock(lm, url, user, *, scope="exclusive", depth="0", timeout=600, tokens=()):
    return lm.acquire(
        url=url,
        lock_type="write",
        lock_scope=scope,
        lock_depth=depth,
        lock_owner=OWNER,
        timeout=timeout,
        principal=user.username,
        token_list=list(tokens),
    )


def test_urls_are_slug_folders_title_quoted(doc):
    """A document's lock URL is /<space slug>/<folders>/<title>, quoted, and resolves back to it."""
    url = _url(doc)
    assert url == "/rh/Proc%C3%A9dures/Cong%C3%A9s%20%C3%A9t%C3%A9.txt"
    assert resolve(url) == doc
    assert resolve("/rh/Proc%C3%A9dures") == doc.folder
    assert resolve("/rh/Nulle%20part/x.txt") is None
    assert resolve("/inconnu") is None


def test_exclusive_lock_on_a_document_is_its_checkout(lm, doc, writer):
    """LOCK = check-out by the lock's user (the web shows it); UNLOCK ends it, both in the history."""
    url = _url(doc)
    lock = _lock(lm, url, writer, timeout=3600)
    doc.refresh_from_db()
    assert doc.lock_holder == writer and doc.lock_active()
    assert lock["token"].startswith("opaquelocktoken:") and lock["timeout"] == 3600
    assert lm.is_url_locked(url)
    assert lm.is_token_locked_by_user(lock["token"], writer.username)
    lm.release(lock["token"])
    doc.refresh_from_db()
    assert doc.lock_holder is None
    assert not lm.is_url_locked(url)
    reasons = list(Document.history.filter(id=doc.pk).values_list("history_change_reason", flat=True))
    assert reasons[:2] == ["unlock", "lock"]


def test_web_checkout_is_a_lock_owned_by_its_holder(lm, doc, writer, colleague):
    """A web check-out answers 423 to another agent's LOCK and write; once released, both pass."""
    document_lock(document=doc, actor=colleague)
    url = _url(doc)
    (found,) = lm.get_url_lock_list(url)
    assert found["principal"] == colleague.username and found["token"] == f"{CHECKOUT_TOKEN}{doc.pk}"
    assert b"Colette Coll" in found["owner"]
    with pytest.raises(DAVError) as refused:
        _lock(lm, url, writer)
    assert refused.value.value == HTTP_LOCKED
    with pytest.raises(DAVError):
        lm.check_write_permission(url=url, depth="0", token_list=[], principal=writer.username)
    document_unlock(document=doc, actor=colleague)
    assert lm.get_url_lock_list(url) == []
    lm.check_write_permission(url=url, depth="0", token_list=[], principal=writer.username)
    assert _lock(lm, url, writer)["principal"] == writer.username


def test_checkout_ended_on_the_web_ends_the_dav_lock(lm, doc, writer, manager):
    """A manager breaking the check-out on the web removes the DAV lock too (one truth)."""
    url = _url(doc)
    lock = _lock(lm, url, writer)
    document_unlock(document=doc, actor=manager)
    assert lm.get_lock(lock["token"]) is None
    assert lm.get_url_lock_list(url) == []


def test_refresh_moves_both_expiries(lm, doc, writer):
    url = _url(doc)
    lock = _lock(lm, url, writer, timeout=120)
    refreshed = lm.refresh(lock["token"], timeout=7200)
    assert refreshed["timeout"] == 7200
    doc.refresh_from_db()
    assert doc.lock_expires_at > timezone.now() + timedelta(minutes=119)
    row = DavLock.objects.get(token=lock["token"])
    assert row.expires_at > timezone.now() + timedelta(minutes=119)


def test_infinite_or_huge_timeout_is_capped(lm, doc, writer, settings):
    settings.GED_LOCK_MINUTES = 30
    lock = _lock(lm, _url(doc), writer, timeout=-1)
    assert lock["timeout"] == 1800


def test_expired_lock_is_ignored_then_swept(lm, doc, writer, colleague):
    url = _url(doc)
    lock = _lock(lm, url, writer)
    past = timezone.now() - timedelta(seconds=1)
    DavLock.objects.filter(token=lock["token"]).update(expires_at=past)
    Document.objects.filter(pk=doc.pk).update(lock_expires_at=past)
    assert lm.get_lock(lock["token"]) is None
    assert not lm.is_url_locked(url)
    _lock(lm, url, colleague)  # the next LOCK sweeps the expired row
    assert not DavLock.objects.filter(token=lock["token"]).exists()


def test_folder_and_shared_locks_are_dav_only_rows(lm, doc, writer, colleague):
    """Depth-infinity folder lock: no check-out; it protects the folder's documents; shared locks stack."""
    folder_url = ref_urls(folders=[doc.folder])[("folder", doc.folder.pk)]
    lock = _lock(lm, folder_url, writer, depth="infinity")
    doc.refresh_from_db()
    assert doc.lock_holder is None
    row = DavLock.objects.get(token=lock["token"])
    assert row.folder == doc.folder and not row.checkout
    with pytest.raises(DAVError):
        lm.check_write_permission(url=_url(doc), depth="0", token_list=[], principal=colleague.username)
    lm.check_write_permission(url=_url(doc), depth="0", token_list=[lock["token"]], principal=writer.username)
    lm.release(lock["token"])
    one = _lock(lm, _url(doc), writer, scope="shared")
    two = _lock(lm, _url(doc), colleague, scope="shared")
    doc.refresh_from_db()
    assert doc.lock_holder is None  # a shared lock is no check-out
    assert {lk["token"] for lk in lm.get_url_lock_list(_url(doc))} == {one["token"], two["token"]}


def test_second_exclusive_insert_on_one_url_is_refused(lm, doc, writer, colleague):
    """Two processes that both passed wsgidav's in-memory check: the database refuses the second."""
    folder_url = ref_urls(folders=[doc.folder])[("folder", doc.folder.pk)]
    _lock(lm, folder_url, writer)
    other = GedLockStorage()
    with pytest.raises(DAVError) as refused:
        other.create(
            folder_url,
            {
                "root": folder_url,
                "type": "write",
                "scope": "exclusive",
                "depth": "0",
                "owner": OWNER,
                "timeout": 60,
                "principal": colleague.username,
            },
        )
    assert refused.value.value == HTTP_LOCKED


def test_lock_follows_a_web_move(lm, doc, writer, space, subfolder, manager):
    from ged.actions import document_move

    lock = _lock(lm, _url(doc), writer)
    target = subfolder(space.root, "Archives")
    document_move(document=doc, target=target, actor=manager)
    (found,) = lm.get_url_lock_list("/rh/Archives/" + _url(doc).rsplit("/", 1)[1])
    assert found["token"] == lock["token"]


def test_placeholder_hidden_until_first_version(lm, doc, writer, colleague, django_assert_num_queries):
    """LOCK on an unmapped URL: a placeholder no one sees on the web; its first version makes it a
    document; its holder's DAV listing shows it, nobody else's."""
    folder = doc.folder
    placeholder = placeholder_create(folder=folder, name="Nouveau rapport.txt", user=writer)
    url = _url(placeholder)
    lock = _lock(lm, url, writer)
    assert Document.objects.live().filter(pk=placeholder.pk).count() == 0
    assert list(Document.objects.for_dav(writer).filter(folder=folder).order_by("title")) == [
        doc,
        placeholder,
    ]
    assert list(Document.objects.for_dav(colleague).filter(folder=folder)) == [doc]
    web = Client()
    web.force_login(writer)
    assert web.get(reverse("ged:document", args=[placeholder.pk])).status_code == 404
    listing = web.get(reverse("ged:folder", args=[folder.pk]))
    assert "Nouveau rapport.txt" not in listing.content.decode()
    assert all(e["title"] != "Nouveau rapport.txt" for e in activity(space=folder.space))
    assert web.get(f"/api/v1/ged/documents/{placeholder.pk}").status_code == 404
    api_listing = web.get(f"/api/v1/ged/folders/{folder.pk}")
    assert api_listing.status_code == 200 and "Nouveau rapport.txt" not in api_listing.content.decode()
    assert search_documents(writer, "Nouveau")[1] == 0
    assert all(d["title"] != "Nouveau rapport.txt" for d in recent_documents(writer))
    # Another agent's web upload of that name is refused while the LOCK holds it.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        document_upload(
            folder=folder, uploaded_file_or_path=Named(b"x", "Nouveau rapport.txt"), author=colleague
        )
    document_upload(
        folder=folder, uploaded_file_or_path=Named(b"contenu", "Nouveau rapport.txt"), author=writer
    )
    placeholder.refresh_from_db()
    assert not placeholder.placeholder and placeholder.current_version.number == 1
    assert search_documents(writer, "Nouveau")[1] == 1  # the same query finds it once it is a document
    lm.release(lock["token"])
    assert Document.objects.live().filter(pk=placeholder.pk).exists()
    assert web.get(reverse("ged:document", args=[placeholder.pk])).status_code == 200


def test_unlock_without_put_removes_the_placeholder(lm, doc, writer):
    placeholder = placeholder_create(folder=doc.folder, name="Brouillon.txt", user=writer)
    lock = _lock(lm, _url(placeholder), writer)
    lm.release(lock["token"])
    assert not Document.objects.filter(pk=placeholder.pk).exists()
    assert not Document.history.filter(id=placeholder.pk).exists()


def test_orphan_placeholder_is_swept_after_its_grace(doc, writer):
    placeholder = placeholder_create(folder=doc.folder, name="Orphelin.txt", user=writer)
    assert placeholders_sweep() == 0  # just made: its LOCK may be on its way
    Document.objects.filter(pk=placeholder.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert placeholders_sweep() == 1
    assert not Document.objects.filter(pk=placeholder.pk).exists()


def test_placeholder_refused_to_a_reader_and_for_unclean_names(doc, make_user, grant):
    from django.core.exceptions import PermissionDenied, ValidationError

    reader = make_user("lecteur")
    grant(doc.space.root, "reader", user=reader)
    with pytest.raises(PermissionDenied):
        placeholder_create(folder=doc.folder, name="a.txt", user=reader)
    writer = make_user("ecrivain")
    grant(doc.space.root, "contributor", user=writer)
    with pytest.raises(ValidationError):
        placeholder_create(folder=doc.folder, name="a/b:\u202e.txt", user=writer)
    with pytest.raises(ValidationError):
        placeholder_create(folder=doc.folder, name=doc.title.upper(), user=writer)


def test_lock_reads_are_constant_inside_a_request(
    lm, space, subfolder, upload, writer, django_assert_num_queries
):
    """PROPFIND asks for the locks of every member: inside one request that is two queries, plus one for
    the folders of the locked resources, whatever the number of members and locks."""
    folder = subfolder(space.root, "Gros")
    docs = [upload(folder, f"f{i}.txt", f"{i}".encode())[0] for i in range(8)]
    for d in docs[:4]:
        _lock(lm, _url(d), writer)
    urls = [_url(d) for d in docs]
    seen = {}

    def app(environ, start_response):
        with django_assert_num_queries(3):
            for url in urls:
                seen[url] = lm.get_url_lock_list(url)
        return []

    list(DavRequestScope(app)({}, None))
    assert sum(1 for locks in seen.values() if locks) == 4
