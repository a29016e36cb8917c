"""The DAV endpoint gives exactly the web's rights, through the GED's own actions (in-process WSGI calls)."""

from xml.etree import ElementTree

import pytest

from ged.actions import folder_restrict
from ged.choices import Role, SpacePolicy
from ged.models import Document, Version
from intranet.audit.models import AccessEvent


@pytest.fixture
def reader(make_user, space, grant):
    user = make_user("lecteur")
    grant(space.root, Role.READER, user=user)
    return user


@pytest.fixture
def contributor(make_user, space, grant):
    user = make_user("contributeur")
    grant(space.root, Role.CONTRIBUTOR, user=user)
    return user


def test_reader_lists_and_downloads_and_the_download_is_audited(wsgi_dav, space, reader, upload):
    """A reader sees the document, GETs its current version (ETag = sha256) and the audit log says so."""
    document, version = upload(space.root, "note.txt", b"Bonjour")
    dav = wsgi_dav(reader)
    assert dav.names("/dav/rh") == ["note.txt"]
    response = dav.request("GET", "/dav/rh/note.txt")
    assert response.status_code == 200
    assert response.content == b"Bonjour"
    assert response.headers["etag"] == f'"{version.blob_id}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    event = AccessEvent.objects.get(action="ged.download")
    assert (event.actor, event.object_id, event.extra["via"]) == (reader, str(document.pk), "webdav")


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("PUT", "/dav/rh/note.txt", {}),
        ("PUT", "/dav/rh/nouveau.txt", {}),
        ("DELETE", "/dav/rh/note.txt", {}),
        ("MOVE", "/dav/rh/note.txt", {"Destination": "/dav/rh/autre.txt"}),
        ("MKCOL", "/dav/rh/Dossier", {}),
    ],
)
def test_reader_writes_are_refused_with_403(wsgi_dav, space, reader, manager, upload, method, path, headers):
    """A reader's PUT, DELETE, MOVE and MKCOL answer 403 with a French sentence and change nothing; the same
    request by the space's manager succeeds (the refusal was for the role)."""
    upload(space.root, "note.txt", b"Bonjour")
    body = b"Autre contenu" if method == "PUT" else b""
    response = wsgi_dav(reader).request(method, path, body, headers)
    assert response.status_code == 403
    assert "droits" in response.text or "pouvez pas" in response.text
    assert Document.objects.live().count() == 1
    assert Version.objects.count() == 1
    assert Document.objects.get().title == "note.txt"
    allowed = wsgi_dav(manager).request(method, path, body, headers)
    assert allowed.status_code in (201, 204)


def test_restricted_folder_is_absent_and_answers_404(wsgi_dav, space, reader, manager, subfolder, upload):
    """A restricted folder the reader has no role in is absent from its parent's PROPFIND and answers 404 (as
    a missing one does); its manager sees it."""
    secret = subfolder(space.root, "Paie")
    folder_restrict(folder=secret, restricted=True, actor=manager)
    upload(secret, "bulletin.pdf", b"%PDF-1.4 bulletin")
    subfolder(space.root, "Public")
    dav = wsgi_dav(reader)
    assert dav.names("/dav/rh") == ["Public"]
    assert dav.propfind("/dav/rh/Paie", "0").status_code == 404
    assert dav.request("GET", "/dav/rh/Paie/bulletin.pdf").status_code == 404
    assert dav.propfind("/dav/rh/Absent", "0").status_code == 404
    assert wsgi_dav(manager).names("/dav/rh") == ["Paie", "Public"]


def test_secret_space_is_listed_to_members_only(wsgi_dav, make_space, make_user, grant, manager):
    """/dav/ lists the open spaces and the agent's; a secret space never to a non-member (404 on its path)."""
    secret = make_space(policy=SpacePolicy.SECRET)
    open_space = make_space(policy=SpacePolicy.OPEN)
    private = make_space(policy=SpacePolicy.PRIVATE)
    outsider, member = make_user("exterieur"), make_user("membre")
    grant(secret.root, Role.READER, user=member)
    assert wsgi_dav(outsider).names("/dav/") == sorted([open_space.slug, "Partagés avec moi"])
    assert wsgi_dav(outsider).propfind(f"/dav/{secret.slug}", "0").status_code == 404
    assert wsgi_dav(outsider).propfind(f"/dav/{private.slug}", "0").status_code == 404
    assert wsgi_dav(member).names("/dav/") == sorted([open_space.slug, secret.slug, "Partagés avec moi"])


def test_put_makes_versions_authored_by_the_app_password_owner(wsgi_dav, space, contributor):
    """PUT of a new name creates the document; the same bytes again create nothing; new bytes make v2, all
    by the owner of the app password."""
    dav = wsgi_dav(contributor)
    assert dav.request("PUT", "/dav/rh/compte-rendu.txt", b"Version 1").status_code == 201
    document = Document.objects.get(title="compte-rendu.txt")
    assert dav.request("PUT", "/dav/rh/compte-rendu.txt", b"Version 1").status_code == 204
    assert document.versions.count() == 1
    response = dav.request("PUT", "/dav/rh/compte-rendu.txt", b"Version 2, plus longue")
    assert response.status_code == 204
    versions = list(document.versions.order_by("number"))
    assert [(v.number, v.author) for v in versions] == [(1, contributor), (2, contributor)]
    assert response.headers["etag"] == f'"{versions[-1].blob_id}"'
    assert dav.request("GET", "/dav/rh/compte-rendu.txt").content == b"Version 2, plus longue"


def test_put_without_content_length_is_read_to_the_end(wsgi_dav, space, contributor):
    """A body sent without Content-Length (chunked, as Finder does) is read until its end."""
    dav = wsgi_dav(contributor)
    environ_body = b"x" * 300_000
    response = dav.request("PUT", "/dav/rh/gros.txt", environ_body, {"Transfer-Encoding": "chunked"})
    # The in-process call still sets CONTENT_LENGTH for PUT; the live server test sends a real chunked body.
    assert response.status_code == 201
    assert Document.objects.get(title="gros.txt").current_version.size == 300_000


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", 415),
        ("faux.pdf", b"ceci n'est pas un PDF", 415),
        ("gros.txt", b"a" * (1024 * 1024 + 10), 413),
    ],
)
def test_put_refused_by_the_upload_checks(wsgi_dav, space, contributor, settings, name, body, status):
    """The GED's upload checks refuse the file: 415 for the content, 413 past GED_MAX_UPLOAD_MB, with a French
    body; nothing is created; a valid file is accepted at once."""
    settings.GED_MAX_UPLOAD_MB = 1
    dav = wsgi_dav(contributor)
    response = dav.request("PUT", f"/dav/rh/{name}", body)
    assert response.status_code == status
    assert "fichier" in response.text.lower()
    assert not Document.objects.exists()
    assert dav.request("PUT", "/dav/rh/valide.txt", b"ok").status_code == 201


def test_delete_sends_the_document_to_the_trash(wsgi_dav, space, manager, upload):
    document, _version = upload(space.root, "note.txt", b"Bonjour")
    dav = wsgi_dav(manager)
    assert dav.request("DELETE", "/dav/rh/note.txt").status_code == 204
    document.refresh_from_db()
    assert document.trashed_at is not None
    assert dav.names("/dav/rh") == []


def test_move_renames_and_moves_through_the_actions(wsgi_dav, space, manager, upload, subfolder):
    """MOVE within a folder renames, MOVE to another folder moves (audited as ged.document.move)."""
    document, _version = upload(space.root, "note.txt", b"Bonjour")
    subfolder(space.root, "Archives")
    dav = wsgi_dav(manager)
    assert dav.request(
        "MOVE", "/dav/rh/note.txt", headers={"Destination": "/dav/rh/Note 2026.txt"}
    ).status_code in (
        201,
        204,
    )
    response = dav.request(
        "MOVE", "/dav/rh/Note 2026.txt", headers={"Destination": "/dav/rh/Archives/Note 2026.txt"}
    )
    assert response.status_code in (201, 204)
    document.refresh_from_db()
    assert (document.title, document.folder.name) == ("Note 2026.txt", "Archives")
    assert AccessEvent.objects.filter(action="ged.document.move").count() == 1
    assert dav.names("/dav/rh/Archives") == ["Note 2026.txt"]


def test_propfind_depth_infinity_is_refused(wsgi_dav, space, manager):
    """Depth: infinity (or none) answers 403 with the propfind-finite-depth precondition."""
    dav = wsgi_dav(manager)
    for headers in ({"Depth": "infinity"}, {}):
        response = dav.request("PROPFIND", "/dav/rh", headers=headers)
        assert response.status_code == 403
        assert ElementTree.fromstring(response.content).find("{DAV:}propfind-finite-depth") is not None
    assert dav.propfind("/dav/rh", "1").status_code == 207


@pytest.mark.parametrize("name", ["._note.txt", ".DS_Store", "Thumbs.db", "desktop.ini", "~$rapport.docx"])
def test_client_scratch_files_stay_out_of_the_ged(wsgi_dav, space, contributor, reader, name):
    """Finder, Explorer and Office files are accepted and read back by their writer, never listed, never a
    document, never seen by another agent."""
    dav = wsgi_dav(contributor)
    assert dav.request("PUT", f"/dav/rh/{name}", b"\x00\x05\x16\x07 metadata").status_code in (201, 204)
    assert dav.request("GET", f"/dav/rh/{name}").content == b"\x00\x05\x16\x07 metadata"
    assert dav.names("/dav/rh") == []
    assert not Document.objects.exists()
    assert wsgi_dav(reader).request("GET", f"/dav/rh/{name}").status_code == 404
    assert dav.request("DELETE", f"/dav/rh/{name}").status_code == 204
    assert dav.request("GET", f"/dav/rh/{name}").status_code == 404


def test_empty_file_waits_aside_for_its_content(wsgi_dav, space, contributor):
    """An empty PUT (Explorer creates the file, then writes it) makes no document; the content that follows
    does, with one version."""
    dav = wsgi_dav(contributor)
    assert dav.request("PUT", "/dav/rh/plan.txt", b"").status_code == 201
    assert dav.propfind("/dav/rh/plan.txt", "0").status_code == 207
    assert not Document.objects.exists()
    assert dav.request("PUT", "/dav/rh/plan.txt", b"Le plan").status_code in (201, 204)
    assert Document.objects.get().versions.count() == 1


def test_wrong_app_password_gets_401_with_a_french_realm(wsgi_dav, space, manager):
    dav = wsgi_dav(manager)
    dav.secret = "mauvais-mot-de-passe"
    response = dav.request("PROPFIND", "/dav/rh", headers={"Depth": "0"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Basic realm="Lecteur reseau CCFI"')
    assert "mot de passe d'application" in response.text


def test_directory_password_is_not_accepted(wsgi_dav, space, manager):
    """The account's own password never opens the drive: app passwords only."""
    dav = wsgi_dav(manager)
    dav.secret = "pw-test-123456"
    assert dav.propfind("/dav/rh", "0").status_code == 401


@pytest.mark.parametrize(
    ("remote", "headers", "status"),
    [
        ("192.0.2.10", {}, 403),  # a remote client over plain http
        ("127.0.0.1", {"X-Forwarded-Proto": "http"}, 403),  # nginx says the client spoke http
        ("127.0.0.1", {"X-Forwarded-Proto": "https"}, 207),  # nginx terminated TLS
        ("127.0.0.1", {}, 207),  # loopback (make run, tests)
    ],
)
def test_basic_only_over_tls_or_loopback(wsgi_dav, space, manager, remote, headers, status):
    dav = wsgi_dav(manager)
    app = dav.app

    def remote_app(environ, start_response):
        environ["REMOTE_ADDR"] = remote
        return app(environ, start_response)

    dav.app = remote_app
    response = dav.request("PROPFIND", "/dav/rh", headers={"Depth": "0", **headers})
    assert response.status_code == status
    if status == 403:
        assert "chiffrée" in response.text
