"""Recorded request sequences of Word, Windows Explorer and macOS Finder, replayed over real HTTP against the
DAV endpoint (no Windows, macOS or Office here): the headers and bodies the clients send, in their order.

- Word opening and saving a document: one new version, the web page shows « Réservé par … » between LOCK and
  UNLOCK, the `~$` owner file never reaches the GED.
- Explorer mapping a drive: OPTIONS and PROPFIND at `/`, `MS-Author-Via: DAV`, Win32 properties PROPPATCH.
- Finder copying a file: LOCK on the unmapped name, chunked PUT without Content-Length, `._*` and `.DS_Store`.
- A web check-out makes another agent's LOCK and PUT answer 423, and Word opens the file read-only."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from ged.actions import document_lock, document_unlock, folder_create, grant_set, space_create
from ged.choices import Role, SpacePolicy
from ged.models import DavLock, Document, Version
from ged.samples import docx_bytes
from tests.ged.conftest import Named

WORD = "Microsoft Office Word 2014"
OFFICE_PROTOCOL = "Microsoft Office Protocol Discovery"
EXPLORER = "Microsoft-WebDAV-MiniRedir/10.0.19045"
FINDER = "WebDAVFS/3.0.0 (03008000) Darwin/22.1.0 (x86_64)"

# Word 2016's LOCK body (owner: the Windows account's name as an href).
WORD_LOCK = (
    '<?xml version="1.0" encoding="utf-8" ?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
    "</D:lockscope><D:locktype><D:write/></D:locktype><D:owner><D:href>CCFI\\rredacteur</D:href></D:owner>"
    "</D:lockinfo>"
)
FINDER_LOCK = (
    '<?xml version="1.0" encoding="utf-8" ?>\n<D:lockinfo xmlns:D="DAV:">\n<D:lockscope><D:exclusive/>'
    "</D:lockscope>\n<D:locktype><D:write/></D:locktype>\n<D:owner>\n"
    "<D:href>http://www.apple.com/webdav_fs/</D:href>\n</D:owner>\n</D:lockinfo>\n"
)
PROPFIND_WORD = (
    '<?xml version="1.0" encoding="utf-8" ?><D:propfind xmlns:D="DAV:"><D:prop><D:creationdate/>'
    "<D:getlastmodified/><D:getcontentlength/><D:resourcetype/><D:lockdiscovery/><D:supportedlock/>"
    "</D:prop></D:propfind>"
)
PROPFIND_EXPLORER = (
    '<?xml version="1.0" encoding="utf-8" ?><D:propfind xmlns:D="DAV:"><D:prop><D:name/><D:parentname/>'
    "<D:href/><D:ishidden/><D:isreadonly/><D:getcontenttype/><D:contentclass/><D:getcontentlanguage/>"
    "<D:creationdate/><D:lastaccessed/><D:getlastmodified/><D:getcontentlength/><D:iscollection/>"
    "<D:isstructureddocument/><D:defaultdocument/><D:displayname/><D:isroot/><D:resourcetype/></D:prop>"
    "</D:propfind>"
)
PROPPATCH_WIN32 = (
    '<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" '
    'xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>'
    "<Z:Win32CreationTime>Sat, 05 Dec 2026 09:12:03 GMT</Z:Win32CreationTime>"
    "<Z:Win32LastAccessTime>Sat, 05 Dec 2026 09:12:03 GMT</Z:Win32LastAccessTime>"
    "<Z:Win32LastModifiedTime>Sat, 05 Dec 2026 09:12:03 GMT</Z:Win32LastModifiedTime>"
    "<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>"
)
PROPFIND_FINDER = (
    '<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:">\n<D:prop>\n<D:getlastmodified/>\n'
    "<D:getcontentlength/>\n<D:creationdate/>\n<D:resourcetype/>\n</D:prop>\n</D:propfind>\n"
)
XML = {"Content-Type": 'text/xml; charset="utf-8"'}


@pytest.fixture
def office(dav_url, make_user):
    """A space « rh » with a folder « Procédures » holding « Congés.docx » (v1); Rémi edits, Colette too."""
    manager = make_user("gestionnaire", first_name="Gaëlle", last_name="Gestion")
    space = space_create(name="Ressources humaines", slug="rh", policy=SpacePolicy.PRIVATE, creator=manager)
    folder = folder_create(parent=space.root, name="Procédures", actor=manager)
    writer = make_user("rredacteur", first_name="Rémi", last_name="Rédacteur")
    colleague = make_user("ccollegue", first_name="Colette", last_name="Collègue")
    for user in (writer, colleague):
        grant_set(folder=space.root, role=Role.CONTRIBUTOR, actor=manager, user=user, notify_grantee=False)
    from ged.actions import document_upload

    document, _ = document_upload(
        folder=folder,
        uploaded_file_or_path=Named(docx_bytes(["Congés d'été : premier jet."]), "Congés.docx"),
        author=manager,
    )
    return {"space": space, "folder": folder, "document": document, "writer": writer, "colleague": colleague}


def _web_page(user, document) -> str:
    web = Client()
    web.force_login(user)
    response = web.get(reverse("ged:document", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _token(response) -> str:
    return response.headers["Lock-Token"].strip("<>")


def test_word_opens_edits_and_saves_one_version(office, dav_client):
    """OPTIONS, PROPFIND, LOCK, GET, the `~$` owner file, PUT with If, UNLOCK: exactly one new version by
    Rémi, « Réservé par Rémi Rédacteur » on the web page meanwhile, no `~$` document, no lock left."""
    dav = dav_client(office["writer"])
    doc = office["document"]
    path = dav.path("rh", "Procédures", "Congés.docx")
    owner_file = dav.path("rh", "Procédures", "~$ngés.docx")

    assert (
        dav.request(
            "OPTIONS", dav.path("rh", "Procédures") + "/", headers={"User-Agent": OFFICE_PROTOCOL}
        ).status_code
        == 200
    )
    head = dav.request("HEAD", path, headers={"User-Agent": WORD})
    assert head.status_code == 200
    found = dav.propfind(path, "0", content=PROPFIND_WORD, headers={"User-Agent": WORD, **XML})
    assert found.status_code == 207 and "<D:lockdiscovery" in found.text or "lockdiscovery" in found.text
    locked = dav.request(
        "LOCK", path, content=WORD_LOCK, headers={"User-Agent": WORD, "Timeout": "Second-3600", **XML}
    )
    assert locked.status_code == 200, locked.text
    token = _token(locked)
    assert re.search(r"Second-3[56]\d\d", locked.text) and "CCFI\\rredacteur" in locked.text

    # Meanwhile, on the web: the document is checked out by Rémi.
    page = _web_page(office["colleague"], doc)
    assert "Réservé par Rémi Rédacteur" in page
    doc.refresh_from_db()
    assert doc.lock_holder == office["writer"]

    original = dav.request("GET", path, headers={"User-Agent": WORD})
    assert original.status_code == 200
    assert dav.request(
        "PUT", owner_file, content=b"\x0bRemi Redacteur" + b"\x00" * 40, headers={"User-Agent": WORD}
    ).status_code in (201, 204)
    assert dav.request("GET", owner_file, headers={"User-Agent": WORD}).status_code == 200

    # A colleague's save meanwhile: 423, nothing stored.
    other = dav_client(office["colleague"])
    assert other.request("PUT", path, content=docx_bytes(["Écrasé ?"])).status_code == 423

    saved = dav.request(
        "PUT",
        path,
        content=docx_bytes(["Congés d'été : version relue."]),
        headers={"User-Agent": WORD, "If": f"(<{token}>)", "Content-Type": "application/octet-stream"},
    )
    assert saved.status_code == 204, saved.text
    refresh = dav.request(
        "LOCK", path, headers={"User-Agent": WORD, "Timeout": "Second-3600", "If": f"(<{token}>)"}
    )
    assert refresh.status_code == 200
    unlocked = dav.request("UNLOCK", path, headers={"User-Agent": WORD, "Lock-Token": f"<{token}>"})
    assert unlocked.status_code == 204
    assert dav.request("DELETE", owner_file, headers={"User-Agent": WORD}).status_code == 204

    versions = list(Version.objects.filter(document=doc).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].author == office["writer"]
    doc.refresh_from_db()
    assert doc.lock_holder is None
    assert "Réservé par" not in _web_page(office["colleague"], doc)
    assert not Document.objects.filter(title__startswith="~$").exists()
    assert not DavLock.objects.exists()
    reasons = list(Document.history.filter(id=doc.pk).values_list("history_change_reason", flat=True))
    assert "lock" in reasons and "unlock" in reasons  # in the document's history, like a web check-out


def test_web_checkout_makes_dav_lock_and_put_answer_423(office, dav_client):
    """Colette checked the document out on the web: Rémi's Word gets 423 on LOCK (it then opens read-only)
    and on PUT; once she releases it, both succeed."""
    doc = office["document"]
    document_lock(document=doc, actor=office["colleague"])
    dav = dav_client(office["writer"])
    path = dav.path("rh", "Procédures", "Congés.docx")
    found = dav.propfind(path, "0", content=PROPFIND_WORD, headers={"User-Agent": WORD, **XML})
    assert "ged-checkout-" in found.text and "Colette Coll" in found.text
    refused = dav.request("LOCK", path, content=WORD_LOCK, headers={"User-Agent": WORD, **XML})
    assert refused.status_code == 423
    put = dav.request("PUT", path, content=docx_bytes(["Tentative"]), headers={"User-Agent": WORD})
    assert put.status_code == 423
    assert Version.objects.filter(document=doc).count() == 1
    document_unlock(document=doc, actor=office["colleague"])
    locked = dav.request("LOCK", path, content=WORD_LOCK, headers={"User-Agent": WORD, **XML})
    assert locked.status_code == 200
    put = dav.request(
        "PUT", path, content=docx_bytes(["Relu"]), headers={"User-Agent": WORD, "If": f"(<{_token(locked)}>)"}
    )
    assert put.status_code == 204
    assert Version.objects.filter(document=doc).count() == 2


def test_explorer_maps_the_drive(office, dav_client):
    """Explorer: OPTIONS and PROPFIND at `/` (before any credentials), MS-Author-Via, class 2, then a folder
    listing and the Win32 properties PROPPATCH after a copy, answered 207 with every property 200."""
    dav = dav_client(office["writer"])
    anonymous = dav.http.__class__(base_url=dav.base, timeout=30)
    try:
        options = anonymous.request("OPTIONS", "/", headers={"User-Agent": EXPLORER, "Translate": "f"})
        assert options.status_code == 200
        assert options.headers["MS-Author-Via"] == "DAV" and "2" in options.headers["DAV"]
        root = anonymous.request(
            "PROPFIND", "/", headers={"User-Agent": EXPLORER, "Depth": "0", "Translate": "f"}
        )
        assert root.status_code == 207
    finally:
        anonymous.close()
    options = dav.request("OPTIONS", "/dav/", headers={"User-Agent": EXPLORER, "Translate": "f"})
    assert options.status_code == 200 and "2" in options.headers["DAV"]
    assert options.headers.get("MS-Author-Via") == "DAV"
    listing = dav.propfind(
        dav.path("rh", "Procédures") + "/",
        "1",
        content=PROPFIND_EXPLORER,
        headers={"User-Agent": EXPLORER, "Translate": "f", **XML},
    )
    assert listing.status_code == 207 and "Cong%C3%A9s.docx" in listing.text
    target = dav.path("rh", "Procédures", "Planning.docx")
    created = dav.request(
        "PUT", target, content=docx_bytes(["Planning"]), headers={"User-Agent": EXPLORER, "Translate": "f"}
    )
    assert created.status_code == 201
    patched = dav.request(
        "PROPPATCH", target, content=PROPPATCH_WIN32, headers={"User-Agent": EXPLORER, **XML}
    )
    assert patched.status_code == 207
    statuses = re.findall(r"HTTP/1.1 (\d{3})", patched.text)
    assert statuses and set(statuses) == {"200"}, patched.text
    assert Document.objects.live().filter(title="Planning.docx").count() == 1


def test_finder_copies_a_file(office, dav_client):
    """Finder: LOCK on the unmapped name (201, a placeholder no one sees on the web), `._` AppleDouble file,
    a chunked PUT without Content-Length under the lock, UNLOCK, `.DS_Store`: one document with v1, nothing
    else in the GED; a LOCK then UNLOCK without PUT leaves nothing."""
    dav = dav_client(office["writer"])
    folder = dav.path("rh", "Procédures")
    path = dav.path("rh", "Procédures", "Budget.txt")
    assert (
        dav.propfind(
            folder + "/", "1", content=PROPFIND_FINDER, headers={"User-Agent": FINDER, **XML}
        ).status_code
        == 207
    )
    assert (
        dav.propfind(path, "0", content=PROPFIND_FINDER, headers={"User-Agent": FINDER, **XML}).status_code
        == 404
    )
    locked = dav.request(
        "LOCK",
        path,
        content=FINDER_LOCK,
        headers={"User-Agent": FINDER, "Timeout": "Second-600", "Depth": "0", **XML},
    )
    assert locked.status_code == 201, locked.text
    token = _token(locked)
    placeholder = Document.objects.get(title="Budget.txt")
    assert placeholder.placeholder and placeholder.lock_holder == office["writer"]
    assert not Document.objects.live().filter(title="Budget.txt").exists()
    web = Client()
    web.force_login(office["writer"])
    assert web.get(reverse("ged:document", args=[placeholder.pk])).status_code == 404
    assert "Budget.txt" not in web.get(reverse("ged:folder", args=[office["folder"].pk])).content.decode()
    # The holder's client sees a 0-byte file.
    zero = dav.propfind(path, "0", content=PROPFIND_FINDER, headers={"User-Agent": FINDER, **XML})
    assert zero.status_code == 207 and "<D:getcontentlength>0</D:getcontentlength>" in zero.text.replace(
        "ns0:", "D:"
    )

    apple = dav.path("rh", "Procédures", "._Budget.txt")
    assert dav.request(
        "PUT", apple, content=b"\x00\x05\x16\x07" + b"\x00" * 78, headers={"User-Agent": FINDER}
    ).status_code in (201, 204)

    def body():
        yield b"Budget 2027\n"
        yield "Ligne 1 : fournitures ; 1 200 €\n".encode()

    put = dav.request(
        "PUT",
        path,
        content=body(),
        headers={"User-Agent": FINDER, "If": f"(<{token}>)", "X-Expected-Entity-Length": "47"},
    )
    assert put.status_code in (201, 204), put.text
    unlocked = dav.request("UNLOCK", path, headers={"User-Agent": FINDER, "Lock-Token": f"<{token}>"})
    assert unlocked.status_code == 204
    ds_store = dav.path("rh", "Procédures", ".DS_Store")
    assert dav.request(
        "PUT", ds_store, content=b"\x00\x00\x00\x01Bud1" + b"\x00" * 60, headers={"User-Agent": FINDER}
    ).status_code in (201, 204)

    placeholder.refresh_from_db()
    assert not placeholder.placeholder and placeholder.lock_holder is None
    assert [v.number for v in placeholder.versions.all()] == [1]
    assert Document.objects.live().filter(title="Budget.txt").count() == 1
    assert not Document.objects.filter(title__startswith=".").exists()
    assert "Budget.txt" in web.get(reverse("ged:folder", args=[office["folder"].pk])).content.decode()

    # A LOCK on an unmapped name then UNLOCK without any PUT (Finder giving up) leaves nothing behind.
    path = dav.path("rh", "Procédures", "Abandon.txt")
    locked = dav.request(
        "LOCK", path, content=FINDER_LOCK, headers={"User-Agent": FINDER, "Depth": "0", **XML}
    )
    assert locked.status_code == 201
    assert Document.objects.filter(title="Abandon.txt", placeholder=True).exists()
    other = dav_client(office["colleague"])
    assert "Abandon.txt" not in other.names(dav.path("rh", "Procédures") + "/")
    unlocked = dav.request("UNLOCK", path, headers={"Lock-Token": f"<{_token(locked)}>"})
    assert unlocked.status_code == 204
    assert not Document.objects.filter(title="Abandon.txt").exists()
    assert dav.propfind(path, "0").status_code == 404
