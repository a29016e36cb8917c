"""`/dav/Partagés avec moi/`: the documents shared on their own with the agent (ged/webdav/shared.py), the
same list as the web's « Partagés avec moi », read and new versions only (in-process WSGI calls)."""

from urllib.parse import quote

import pytest

from ged.actions import document_share, document_unshare, folder_restrict
from ged.choices import Role, ShareRole
from ged.models import Document, Version
from ged.queries import shared_with_me
from intranet.audit.models import AccessEvent

SHARED = "/dav/Partagés avec moi"  # the in-process client takes PATH_INFO as a server gives it (unquoted)


def _path(name: str) -> str:
    return f"{SHARED}/{name}"


def _url(name: str) -> str:
    return "/dav/" + quote("Partagés avec moi") + "/" + quote(name)


@pytest.fixture
def paie(space, subfolder, manager):
    """A restricted folder nobody but the manager reads."""
    folder = subfolder(space.root, "Paie")
    folder_restrict(folder=folder, restricted=True, actor=manager)
    return folder


@pytest.fixture
def agent(make_user):
    return make_user("agent")


def test_listed_at_the_root_and_empty_when_nothing_is_shared(wsgi_dav, space, agent):
    """Every agent sees the collection beside their spaces (none here), empty without shares."""
    dav = wsgi_dav(agent)
    assert dav.names("/dav/") == ["Partagés avec moi"]
    assert dav.propfind(SHARED, "0").status_code == 207
    assert dav.names(SHARED) == []
    assert dav.request("GET", _path("note.txt")).status_code == 404


def test_a_shared_document_is_reached_without_its_folder(wsgi_dav, space, paie, agent, manager, upload):
    """Shared from a folder the agent cannot read: listed, downloadable (audited like every DAV download),
    while the folder stays 404 and its other documents out of sight."""
    document, version = upload(paie, "bulletin.pdf", b"%PDF-1.4 bulletin")
    upload(paie, "autre.pdf", b"%PDF-1.4 autre")
    document_share(document=document, actor=manager, user=agent)
    dav = wsgi_dav(agent)
    assert dav.names(SHARED) == ["bulletin.pdf"]
    assert dav.names("/dav/") == ["Partagés avec moi"]  # the space itself stays out of sight
    assert dav.propfind("/dav/rh/Paie", "0").status_code == 404
    assert dav.request("GET", "/dav/rh/Paie/bulletin.pdf").status_code == 404
    response = dav.request("GET", _path("bulletin.pdf"))
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 bulletin"
    assert response.headers["etag"] == f'"{version.blob_id}"'
    event = AccessEvent.objects.get(action="ged.download")
    assert (event.actor, event.object_id, event.extra["via"]) == (agent, str(document.pk), "webdav")
    # The web page lists the same documents.
    assert [d.title for d in shared_with_me(agent)] == ["bulletin.pdf"]


def test_contributor_share_puts_a_version_a_reader_share_cannot(
    wsgi_dav, space, paie, agent, make_user, make_group, manager, upload
):
    """A contributor share (here through a department's group) sends new versions; a reader's PUT is 403."""
    document, _v = upload(paie, "budget.txt", b"v1 budget")
    colleague = make_user("collegue")
    group = make_group("Finances", agent)
    document_share(document=document, actor=manager, group=group, role=ShareRole.EDITOR)
    document_share(document=document, actor=manager, user=colleague, role=ShareRole.READER)
    refused = wsgi_dav(colleague).request("PUT", _path("budget.txt"), b"v2 budget du lecteur")
    assert refused.status_code == 403
    dav = wsgi_dav(agent)
    assert dav.request("PUT", _path("budget.txt"), b"v2 budget").status_code in (200, 204)
    document.refresh_from_db()
    assert document.current_version.number == 2
    assert document.current_version.author == agent
    assert dav.request("GET", _path("budget.txt")).content == b"v2 budget"
    # The same bytes again: nothing new.
    assert dav.request("PUT", _path("budget.txt"), b"v2 budget").status_code in (200, 204)
    assert Version.objects.filter(document=document).count() == 2


def test_nothing_else_writes_there(wsgi_dav, space, paie, agent, manager, grant, subfolder, upload):
    """DELETE, MOVE (out or within), COPY into it, MKCOL, PROPPATCH, a new document: 403, even for an agent
    whose role on the document's folder would allow them elsewhere; nothing changed."""
    document, _v = upload(space.root, "note.txt", b"note")
    document_share(document=document, actor=manager, user=agent, role=ShareRole.EDITOR)
    grant(space.root, Role.EDITOR, user=agent)
    dav = wsgi_dav(agent)
    dest = "http://127.0.0.1:8001"
    proppatch = (
        b'<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
        b'<Z:x xmlns:Z="urn:x">1</Z:x></D:prop></D:set></D:propertyupdate>'
    )
    asked = {
        "DELETE": dav.request("DELETE", _path("note.txt")),
        "DELETE collection": dav.request("DELETE", SHARED),
        "MOVE out": dav.request("MOVE", _path("note.txt"), headers={"Destination": f"{dest}/dav/rh/x.txt"}),
        "MOVE within": dav.request("MOVE", _path("note.txt"), headers={"Destination": dest + _url("y.txt")}),
        "COPY into": dav.request("COPY", "/dav/rh/note.txt", headers={"Destination": dest + _url("z.txt")}),
        "MKCOL": dav.request("MKCOL", _path("Nouveau")),
        "PROPPATCH": dav.request("PROPPATCH", _path("note.txt"), proppatch, {"Content-Type": "text/xml"}),
        "PROPPATCH collection": dav.request("PROPPATCH", SHARED, proppatch, {"Content-Type": "text/xml"}),
        "PUT new": dav.request("PUT", _path("nouveau.txt"), b"nouveau"),
    }
    assert {what: r.status_code for what, r in asked.items()} == dict.fromkeys(asked, 403)
    assert "Partagés avec moi" in asked["DELETE"].text
    document.refresh_from_db()
    assert (document.title, document.folder_id, document.trashed_at) == ("note.txt", space.root_id, None)
    assert Document.objects.count() == 1
    # Reading a copy out to a folder the agent may write in stays possible (it is a download and an upload).
    copied = dav.request("COPY", _path("note.txt"), headers={"Destination": f"{dest}/dav/rh/copie.txt"})
    assert copied.status_code in (201, 204)
    # The client's own scratch files are accepted there, kept out of the GED.
    assert dav.request("PUT", _path("~$note.txt"), b"owner").status_code in (201, 204)
    assert dav.request("DELETE", _path("~$note.txt")).status_code == 204
    assert Document.objects.count() == 2


def test_same_titles_get_numbered_deterministically(wsgi_dav, space, paie, subfolder, agent, manager, upload):
    """Two shared documents titled alike (case aside): the oldest keeps the title, the next gets « (2) », or
    the next free number when a shared document already holds that name."""
    other = subfolder(space.root, "Autre")
    first, _v = upload(paie, "note.txt", b"premier")
    second, _v = upload(other, "Note.txt", b"second")
    third, _v = upload(space.root, "note (2).txt", b"troisieme")
    for document in (third, second, first):
        document_share(document=document, actor=manager, user=agent)
    dav = wsgi_dav(agent)
    assert dav.names(SHARED) == ["Note (3).txt", "note (2).txt", "note.txt"]
    assert dav.request("GET", _path("note.txt")).content == b"premier"
    assert dav.request("GET", _path("NOTE.TXT")).content == b"premier"
    assert dav.request("GET", _path("note (2).txt")).content == b"troisieme"
    assert dav.request("GET", _path("Note (3).txt")).content == b"second"
    # Without the clash, the second keeps its own title.
    document_unshare(document=first, actor=manager, user=agent)
    assert dav.names(SHARED) == ["Note.txt", "note (2).txt"]


def test_a_revoked_share_answers_404_at_once(wsgi_dav, space, paie, agent, manager, upload):
    document, _v = upload(paie, "bulletin.pdf", b"%PDF-1.4 bulletin")
    document_share(document=document, actor=manager, user=agent, role=ShareRole.EDITOR)
    dav = wsgi_dav(agent)
    assert dav.request("GET", _path("bulletin.pdf")).status_code == 200
    document_unshare(document=document, actor=manager, user=agent)
    assert dav.request("GET", _path("bulletin.pdf")).status_code == 404
    assert dav.propfind(_path("bulletin.pdf"), "0").status_code == 404
    assert dav.request("PUT", _path("bulletin.pdf"), b"%PDF-1.4 v2").status_code == 403
    assert dav.names(SHARED) == []
    assert Version.objects.filter(document=document).count() == 1


def _share_many(space, paie, agent, manager, count):
    from ged.actions import document_upload

    from .test_permission_matrix import Named

    for i in range(count):
        document, _v = document_upload(
            folder=paie, uploaded_file_or_path=Named(b"x%d" % i, f"d{i}.txt"), author=manager
        )
        document_share(document=document, actor=manager, user=agent)


@pytest.mark.parametrize("count", [3, 30])
def test_propfind_query_count_does_not_grow_with_the_shares(
    wsgi_dav, space, paie, agent, manager, count, django_assert_num_queries
):
    """PROPFIND Depth 1 of the collection: the same queries for 3 and for 30 shared documents."""
    _share_many(space, paie, agent, manager, count)
    dav = wsgi_dav(agent)
    dav.propfind(SHARED)  # the app password's first use is recorded once (a write of its own)
    with django_assert_num_queries(PROPFIND_QUERIES):
        response = dav.propfind(SHARED)
    assert response.status_code == 207
    assert len(dav.names(SHARED)) == count


# 10 whatever the number: authentication, the grants, the restricted folders (the gate of
# shared_with_me), the shared documents, and what the lock storage and the property store read once per
# request (ged/webdav/locks.py, props.py).
PROPFIND_QUERIES = 10
