"""Saves by temp file and rename, replayed over real HTTP, and names the GED would rewrite.

Word saving a document on a mapped drive (the WebClient turns each file operation into a request; Microsoft's
« How Word creates temporary files », KB 211632: the new content goes to `~WRD####.tmp`, the original is
renamed to `~WRL####.tmp`, the temp is renamed to the original name, the backup is deleted):

    LOCK doc · GET doc · PUT ~$owner · PUT ~WRD0000.tmp (empty, then the content) · PROPPATCH (Win32)
    MOVE doc → ~WRL0001.tmp (If: the lock token) · MOVE ~WRD0000.tmp → doc · DELETE ~WRL0001.tmp
    UNLOCK doc · DELETE ~$owner

LibreOffice on a mounted drive: PUT `.~lock.<name>#` when it opens the file, the new content to `lu….tmp`,
MOVE it over the original with `Overwrite: T`, DELETE the lock file when it closes.

Both end with one document, the same id, one more version with the new bytes by the agent, its history
intact, and nothing else visible to anyone; a reader gets 403 and nothing changes."""

from urllib.parse import unquote
from xml.etree import ElementTree

import pytest

from ged.actions import document_upload, folder_create, grant_set, space_create
from ged.choices import Role, SpacePolicy
from ged.models import Document, Folder, Version
from ged.samples import docx_bytes
from tests.ged.conftest import Named

from .test_clients_replay import PROPPATCH_WIN32, WORD, WORD_LOCK, XML, _token

EXPLORER = "Microsoft-WebDAV-MiniRedir/10.0.19045"
LIBREOFFICE = "gvfs/1.50.3"


@pytest.fixture
def shelf(dav_url, make_user):
    """« rh/Procédures/Congés.docx » (v1 by the manager); Rémi has `role` (set by the test), Colette is a
    contributor who watches."""
    manager = make_user("gestionnaire", first_name="Gaëlle", last_name="Gestion")
    space = space_create(name="Ressources humaines", slug="rh", policy=SpacePolicy.PRIVATE, creator=manager)
    folder = folder_create(parent=space.root, name="Procédures", actor=manager)
    writer = make_user("rredacteur", first_name="Rémi", last_name="Rédacteur")
    colleague = make_user("ccollegue", first_name="Colette", last_name="Collègue")
    grant_set(folder=space.root, role=Role.CONTRIBUTOR, actor=manager, user=colleague, notify_grantee=False)
    v1 = docx_bytes(["Congés d'été : premier jet."])
    document, version = document_upload(
        folder=folder, uploaded_file_or_path=Named(v1, "Congés.docx"), author=manager
    )

    def give(role):
        grant_set(folder=space.root, role=role, actor=manager, user=writer, notify_grantee=False)

    return {
        "folder": folder,
        "document": document,
        "v1": version,
        "writer": writer,
        "colleague": colleague,
        "manager": manager,
        "give": give,
    }


def _names(dav, path: str) -> list[str]:
    """The members a Depth 1 PROPFIND lists (the hrefs of its responses; a lock's own hrefs left out)."""
    response = dav.propfind(path)
    assert response.status_code == 207, response.text
    base = unquote(path).rstrip("/")
    hrefs = [
        unquote(r.find("{DAV:}href").text).rstrip("/")
        for r in ElementTree.fromstring(response.content).iter("{DAV:}response")
    ]
    return sorted(h.rsplit("/", 1)[-1] for h in hrefs if h != base)


def _assert_one_new_version(shelf, dav_client, new_bytes):
    doc = Document.objects.get(pk=shelf["document"].pk)
    assert doc.trashed_at is None and doc.title == "Congés.docx"
    versions = list(Version.objects.filter(document=doc).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].blob_id == shelf["v1"].blob_id  # the history is intact
    assert versions[1].author == shelf["writer"]
    assert Document.objects.live().filter(folder=shelf["folder"]).count() == 1
    assert not Document.objects.filter(title__endswith=".tmp").exists()
    assert not Document.objects.filter(title__startswith="~").exists()
    assert not Document.objects.filter(title__startswith=".~lock").exists()
    for user in (shelf["writer"], shelf["colleague"], shelf["manager"]):
        dav = dav_client(user)
        assert _names(dav, dav.path("rh", "Procédures") + "/") == ["Congés.docx"]
        got = dav.request("GET", dav.path("rh", "Procédures", "Congés.docx"))
        assert got.status_code == 200 and got.content == new_bytes


def _assert_nothing_changed(shelf, dav_client):
    doc = Document.objects.get(pk=shelf["document"].pk)
    assert doc.trashed_at is None and doc.title == "Congés.docx"
    assert list(Version.objects.filter(document=doc).values_list("number", flat=True)) == [1]
    assert Document.objects.filter(folder=shelf["folder"]).count() == 1
    for user in (shelf["writer"], shelf["colleague"]):
        dav = dav_client(user)
        assert _names(dav, dav.path("rh", "Procédures") + "/") == ["Congés.docx"]


def _word_save(dav, new_bytes, *, backup="~WRL0001.tmp", temp="~WRD0000.tmp"):
    """Word's open-then-save over the WebClient; returns the status of every request, by step."""
    folder = ("rh", "Procédures")
    doc = dav.path(*folder, "Congés.docx")
    owner = dav.path(*folder, "~$ngés.docx")
    tmp = dav.path(*folder, temp)
    bak = dav.path(*folder, backup)
    head = {"User-Agent": WORD}
    steps = {}
    locked = dav.request("LOCK", doc, content=WORD_LOCK, headers={**head, "Timeout": "Second-3600", **XML})
    steps["lock"] = locked.status_code
    token = _token(locked) if locked.status_code == 200 else None
    steps["get"] = dav.request("GET", doc, headers=head).status_code
    steps["owner"] = dav.request("PUT", owner, content=b"\x0bRemi" + b"\x00" * 40, headers=head).status_code
    explorer = {"User-Agent": EXPLORER, "Translate": "f"}
    steps["temp_create"] = dav.request("PUT", tmp, content=b"", headers=explorer).status_code
    steps["temp_write"] = dav.request("PUT", tmp, content=new_bytes, headers=explorer).status_code
    steps["temp_proppatch"] = dav.request(
        "PROPPATCH", tmp, content=PROPPATCH_WIN32, headers={**explorer, **XML}
    ).status_code
    if_header = {"If": f"(<{token}>)"} if token else {}
    steps["backup"] = dav.request(
        "MOVE",
        doc,
        headers={**explorer, **if_header, "Destination": dav.base + bak, "Overwrite": "F"},
    ).status_code
    steps["listing_meanwhile"] = _names(dav, dav.path(*folder) + "/")
    steps["rename"] = dav.request(
        "MOVE", tmp, headers={**explorer, "Destination": dav.base + doc, "Overwrite": "F"}
    ).status_code
    steps["delete_backup"] = dav.request("DELETE", bak, headers=explorer).status_code
    if token:
        steps["unlock"] = dav.request("UNLOCK", doc, headers={**head, "Lock-Token": f"<{token}>"}).status_code
    steps["owner_delete"] = dav.request("DELETE", owner, headers=head).status_code
    return steps


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.EDITOR])
def test_word_save_through_temp_and_backup_rename_is_one_new_version(shelf, dav_client, role):
    """Word's safe save (KB 211632) by a contributor and by an editor: every request succeeds, the document
    keeps its id and history and gets one version with the new bytes; the backup name read the old bytes
    meanwhile, only for Rémi."""
    shelf["give"](role)
    dav = dav_client(shelf["writer"])
    new = docx_bytes(["Congés d'été : version relue par Rémi."])
    steps = _word_save(dav, new)
    assert steps["lock"] == 200
    assert steps["get"] == 200
    assert steps["owner"] == 201
    assert steps["temp_create"] == 201 and steps["temp_write"] in (201, 204)
    assert steps["temp_proppatch"] == 207
    assert steps["backup"] in (201, 204)
    # Between the two renames Rémi's drive shows the backup name, not the document; nobody else notices.
    assert steps["listing_meanwhile"] == []
    assert steps["rename"] in (201, 204)
    assert steps["delete_backup"] == 204
    assert steps["unlock"] == 204 and steps["owner_delete"] == 204
    _assert_one_new_version(shelf, dav_client, new)


def test_word_backup_name_reads_the_document_until_deleted(shelf, dav_client):
    """After `MOVE doc → ~WRL….tmp`, Rémi reads the old bytes under the backup name while Colette still sees
    the document; a DELETE of the backup (Word gave up) brings the document back, untouched."""
    shelf["give"](Role.CONTRIBUTOR)
    dav = dav_client(shelf["writer"])
    doc = dav.path("rh", "Procédures", "Congés.docx")
    bak = dav.path("rh", "Procédures", "~WRL0003.tmp")
    original = dav.request("GET", doc).content
    assert dav.request("MOVE", doc, headers={"Destination": dav.base + bak}).status_code in (201, 204)
    assert dav.request("GET", bak).content == original
    assert dav.request("GET", doc).status_code == 404
    other = dav_client(shelf["colleague"])
    assert other.request("GET", doc).status_code == 200
    assert other.request("GET", bak).status_code == 404
    assert dav.request("DELETE", bak).status_code == 204
    assert dav.request("GET", doc).content == original
    _assert_nothing_changed(shelf, dav_client)


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.EDITOR])
def test_word_temp_renamed_over_the_document(shelf, dav_client, role):
    """Word writing `~WRL….tmp` and renaming it over the document (Overwrite: T): one new version."""
    shelf["give"](role)
    dav = dav_client(shelf["writer"])
    new = docx_bytes(["Remplacé par le renommage."])
    tmp = dav.path("rh", "Procédures", "~WRL2461.tmp")
    doc = dav.path("rh", "Procédures", "Congés.docx")
    assert dav.request("PUT", tmp, content=new).status_code == 201
    moved = dav.request("MOVE", tmp, headers={"Destination": dav.base + doc, "Overwrite": "T"})
    assert moved.status_code == 204, moved.text
    assert dav.request("GET", tmp).status_code == 404
    _assert_one_new_version(shelf, dav_client, new)


def _libreoffice_save(dav, new_bytes, temp="lu2848gz5k.tmp"):
    folder = ("rh", "Procédures")
    doc = dav.path(*folder, "Congés.docx")
    lock_file = dav.path(*folder, ".~lock.Congés.docx#")
    tmp = dav.path(*folder, temp)
    head = {"User-Agent": LIBREOFFICE}
    steps = {"get": dav.request("GET", doc, headers=head).status_code}
    steps["lock_file"] = dav.request(
        "PUT",
        lock_file,
        content="Rémi Rédacteur,rredacteur,poste12,05.12.2026 10:02,file:///home/rredacteur/.config/libreoffice/4;".encode(),
        headers=head,
    ).status_code
    steps["temp"] = dav.request("PUT", tmp, content=new_bytes, headers=head).status_code
    steps["rename"] = dav.request(
        "MOVE", tmp, headers={**head, "Destination": dav.base + doc, "Overwrite": "T"}
    ).status_code
    steps["temp_after"] = dav.request("HEAD", tmp, headers=head).status_code
    steps["lock_file_delete"] = dav.request("DELETE", lock_file, headers=head).status_code
    return steps


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.EDITOR])
def test_libreoffice_save_through_lu_temp_is_one_new_version(shelf, dav_client, role):
    shelf["give"](role)
    dav = dav_client(shelf["writer"])
    new = docx_bytes(["Congés d'été : enregistré par LibreOffice."])
    steps = _libreoffice_save(dav, new)
    assert steps == {
        "get": 200,
        "lock_file": 201,
        "temp": 201,
        "rename": 204,
        "temp_after": 404,
        "lock_file_delete": 204,
    }
    _assert_one_new_version(shelf, dav_client, new)


def test_reader_saves_are_refused_and_change_nothing(shelf, dav_client):
    """A reader's Word and LibreOffice: the temps stay aside (their own scratch), the renames answer 403,
    the document and its history are untouched, nobody sees a temp."""
    shelf["give"](Role.READER)
    dav = dav_client(shelf["writer"])
    word = _word_save(dav, docx_bytes(["Lecteur"]))
    # (Whatever its LOCK answers, the rights of LOCK being locks.py's:) the backup rename is refused.
    assert word["backup"] == 403
    # (Word stops at the refused backup; replayed anyway, the rename with Overwrite: F meets the document:
    # 412, or 423 while the reader's own LOCK, if granted, holds it without its token being sent.)
    assert word["rename"] in (412, 423)
    libre = _libreoffice_save(dav, docx_bytes(["Lecteur"]))
    assert libre["rename"] == 403
    tmp = dav.path("rh", "Procédures", "~WRL9.tmp")
    assert dav.request("PUT", tmp, content=b"x").status_code == 201
    doc = dav.path("rh", "Procédures", "Congés.docx")
    assert dav.request("MOVE", tmp, headers={"Destination": dav.base + doc}).status_code == 403
    _assert_nothing_changed(shelf, dav_client)


def test_save_by_rename_respects_someone_elses_checkout(shelf, dav_client):
    """Colette checked the document out on the web: Rémi's renames answer 423, nothing changes."""
    from ged.actions import document_lock

    shelf["give"](Role.EDITOR)
    document_lock(document=shelf["document"], actor=shelf["colleague"])
    dav = dav_client(shelf["writer"])
    libre = _libreoffice_save(dav, docx_bytes(["Pendant la réservation"]))
    assert libre["rename"] == 423
    word = _word_save(dav, docx_bytes(["Pendant la réservation"]))
    assert word["lock"] == 423 and word["backup"] == 423
    _assert_nothing_changed(shelf, dav_client)


# --- In-process: a document moved over another, big temps, names the GED would rewrite ----------------------


@pytest.fixture
def editor(make_user, space, grant):
    user = make_user("editeur")
    grant(space.root, Role.EDITOR, user=user)
    return user


@pytest.fixture
def contributor(make_user, space, grant):
    user = make_user("contributeur")
    grant(space.root, Role.CONTRIBUTOR, user=user)
    return user


def test_document_moved_over_another_makes_its_next_version(wsgi_dav, space, editor, upload):
    """An editor's MOVE (Overwrite: T) of « brouillon.txt » onto « note.txt »: note.txt keeps its id and
    history and gets version 2 with the draft's bytes by the editor; the draft goes to the trash (restorable),
    as a DELETE would send it."""
    note, _v = upload(space.root, "note.txt", b"Version une")
    draft, _v = upload(space.root, "brouillon.txt", b"Version deux, plus longue")
    dav = wsgi_dav(editor)
    moved = dav.request(
        "MOVE", "/dav/rh/brouillon.txt", headers={"Destination": "/dav/rh/note.txt", "Overwrite": "T"}
    )
    assert moved.status_code == 204, moved.text
    versions = list(Version.objects.filter(document=note).order_by("number"))
    assert [v.number for v in versions] == [1, 2] and versions[1].author == editor
    assert dav.request("GET", "/dav/rh/note.txt").content == b"Version deux, plus longue"
    draft.refresh_from_db()
    assert draft.trashed_at is not None
    assert dav.names("/dav/rh") == ["note.txt"]


def test_contributor_cannot_move_a_document_over_another(wsgi_dav, space, contributor, upload):
    """The source would go to the trash, which a contributor may not do on the web: 403, nothing changes."""
    note, _v = upload(space.root, "note.txt", b"Version une")
    upload(space.root, "brouillon.txt", b"Version deux")
    moved = wsgi_dav(contributor).request(
        "MOVE", "/dav/rh/brouillon.txt", headers={"Destination": "/dav/rh/note.txt", "Overwrite": "T"}
    )
    assert moved.status_code == 403
    assert Version.objects.filter(document=note).count() == 1
    assert Document.objects.live().count() == 2


def test_save_temp_is_kept_whole_past_the_scratch_limit(wsgi_dav, space, contributor, upload):
    """A 5 MB LibreOffice temp (scratch files keep 4 MB) renamed over a document: the version has every byte;
    past the GED's upload limit the temp's PUT answers 413."""
    from ged.webdav import scratch

    note, _v = upload(space.root, "grand.txt", b"petit")
    big = (b"ligne de texte assez longue pour remplir\n" * 130_000)[: 5 * 1024 * 1024 + 7]
    assert len(big) > scratch.MAX_BYTES
    dav = wsgi_dav(contributor)
    assert dav.request("PUT", "/dav/rh/lu1234abcd.tmp", big).status_code == 201
    moved = dav.request("MOVE", "/dav/rh/lu1234abcd.tmp", headers={"Destination": "/dav/rh/grand.txt"})
    assert moved.status_code == 204, moved.text
    assert dav.request("GET", "/dav/rh/grand.txt").content == big


def test_save_temp_past_the_upload_limit_is_refused(wsgi_dav, space, contributor, settings):
    settings.GED_MAX_UPLOAD_MB = 1
    dav = wsgi_dav(contributor)
    response = dav.request("PUT", "/dav/rh/~WRD0001.tmp", b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert "taille maximale" in response.text
    assert dav.request("GET", "/dav/rh/~WRD0001.tmp").status_code == 404


@pytest.mark.parametrize(
    "name",
    ["~WRL0001.tmp", "~wrd2461.TMP", "~WRF0003.tmp", "lu2848gz5k.tmp", "~$ngés.docx", ".~lock.Congés.docx#"],
)
def test_office_temps_and_lock_files_are_scratch(name):
    from ged.webdav.scratch import is_save_temp, is_scratch_name

    assert is_scratch_name(name)
    assert is_save_temp(name) == name.lower().endswith(".tmp")


@pytest.mark.parametrize("name", ["rapport.tmp", "lu.tmp", "lundi.txt", "~WR.tmp", "Congés.docx"])
def test_ordinary_names_are_not_scratch(name):
    from ged.webdav.scratch import is_scratch_name

    assert not is_scratch_name(name)


REWRITTEN = ["a  b.txt", "CON.txt", "a\tb.txt", " espace.txt", "nul", "fin.txt."]


@pytest.mark.parametrize("name", REWRITTEN)
def test_names_the_ged_would_rewrite_are_refused_everywhere(wsgi_dav, space, editor, upload, name):
    """PUT, MKCOL, MOVE, COPY and LOCK of a name the GED would store otherwise: 403 with a French sentence
    (a tab: 403, or 400 where control characters are refused first), nothing created (the client would look
    for the name it sent and lose the file)."""
    from urllib.parse import quote

    from .test_clients_replay import WORD_LOCK

    upload(space.root, "source.txt", b"Bonjour")
    dav = wsgi_dav(editor)
    target = "/dav/rh/" + name
    dest = {"Destination": "/dav/rh/" + quote(name), "Overwrite": "T"}
    answers = {
        "PUT": dav.request("PUT", target, b"contenu"),
        "MKCOL": dav.request("MKCOL", target),
        "MOVE": dav.request("MOVE", "/dav/rh/source.txt", headers=dest),
        "COPY": dav.request("COPY", "/dav/rh/source.txt", headers=dest),
        "LOCK": dav.request("LOCK", target, WORD_LOCK.encode(), {"Content-Type": "text/xml"}),
    }
    for method, response in answers.items():
        if "\t" in name and response.status_code == 400:
            # A control character may be refused before anything else (the dispatcher, app.py).
            assert "Adresse invalide" in response.text, method
            continue
        assert response.status_code == 403, (method, response.status_code, response.text)
        assert "n'est pas accepté dans la GED" in response.text, method
    assert list(Document.objects.values_list("title", flat=True)) == ["source.txt"]
    assert Folder.objects.filter(space=space).count() == 1  # the root alone


def test_names_kept_as_sent_are_accepted(wsgi_dav, space, editor):
    """A decomposed « é » (macOS) is the same name: accepted, found again under the name sent."""
    dav = wsgi_dav(editor)
    name = "Cafe\u0301 noir.txt"
    assert dav.request("PUT", "/dav/rh/" + name, b"noir").status_code == 201
    assert dav.request("GET", "/dav/rh/" + name).content == b"noir"
    assert dav.request("MKCOL", "/dav/rh/Réunions 2026").status_code == 201


def test_put_on_the_name_word_renamed_away_is_the_next_version(wsgi_dav, space, contributor, upload):
    """After `MOVE doc → ~WRL….tmp`, a PUT (not a MOVE) on the document's name is its next version, not a
    second document."""
    note, _v = upload(space.root, "note.txt", b"Version une")
    dav = wsgi_dav(contributor)
    backup = dav.request("MOVE", "/dav/rh/note.txt", headers={"Destination": "/dav/rh/~WRL0001.tmp"})
    assert backup.status_code in (201, 204)
    assert dav.request("PUT", "/dav/rh/note.txt", b"Version deux").status_code in (201, 204)
    assert dav.request("DELETE", "/dav/rh/~WRL0001.tmp").status_code == 204
    assert sorted(Version.objects.filter(document=note).values_list("number", flat=True)) == [1, 2]
    assert Document.objects.live().count() == 1
    assert dav.names("/dav/rh") == ["note.txt"]
