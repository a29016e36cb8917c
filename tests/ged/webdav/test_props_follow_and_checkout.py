"""Dead properties follow COPY (documents and folders, Depth infinity), stay with a trashed document so that
a restore brings them back, and go with its purge; Explorer's Win32 properties are kept as dead properties
without changing the GED's dates; the holder of a web check-out saves over DAV while others get 423.
In-process WSGI calls."""

import re

import pytest

from ged.actions import document_lock, document_purge, document_restore
from ged.choices import Role
from ged.models import DavLock, DavProperty, Document, Version

XML = {"Content-Type": "text/xml; charset=utf-8"}
PROPPATCH = (
    '<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://example.com/z/">'
    "<D:set><D:prop><Z:etiquette>{value}</Z:etiquette></D:prop></D:set></D:propertyupdate>"
)
PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:Z="http://example.com/z/">'
    "<D:prop><Z:etiquette/></D:prop></D:propfind>"
)
EXPLORER = "Microsoft-WebDAV-MiniRedir/10.0.19045"
PROPPATCH_WIN32 = (
    '<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" '
    'xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>'
    "<Z:Win32CreationTime>Tue, 01 Sep 2020 08:00:00 GMT</Z:Win32CreationTime>"
    "<Z:Win32LastAccessTime>Sat, 05 Dec 2026 09:12:03 GMT</Z:Win32LastAccessTime>"
    "<Z:Win32LastModifiedTime>Wed, 02 Sep 2020 09:30:00 GMT</Z:Win32LastModifiedTime>"
    "<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>"
)
PROPFIND_WIN32 = (
    '<?xml version="1.0" encoding="utf-8" ?><D:propfind xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:">'
    "<D:prop><D:getlastmodified/><Z:Win32CreationTime/><Z:Win32LastModifiedTime/><Z:Win32FileAttributes/>"
    "<Z:Win32LastAccessTime/></D:prop></D:propfind>"
)
LOCKINFO = (
    '<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
    "</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>Word</D:owner></D:lockinfo>"
)


def _label(dav, path):
    found = dav.request("PROPFIND", path, PROPFIND.encode(), {"Depth": "0", **XML})
    assert found.status_code == 207, found.text
    match = re.search(r"<[^>]*etiquette[^>]*>([^<]*)<", found.text)
    return match.group(1) if match and "HTTP/1.1 200" in found.text else None


def _tag(dav, path, value):
    done = dav.request("PROPPATCH", path, PROPPATCH.format(value=value).encode(), XML)
    assert done.status_code == 207 and "HTTP/1.1 200" in done.text, done.text


def test_copy_of_a_document_gets_its_properties(wsgi_dav, space, manager, upload):
    upload(space.root, "note.txt", b"un")
    upload(space.root, "autre.txt", b"deux")
    dav = wsgi_dav(manager)
    _tag(dav, "/dav/rh/note.txt", "Confidentiel é")
    _tag(dav, "/dav/rh/autre.txt", "Public")

    copied = dav.request("COPY", "/dav/rh/note.txt", headers={"Destination": "/dav/rh/copie.txt"})
    assert copied.status_code in (201, 204)
    assert _label(dav, "/dav/rh/copie.txt") == "Confidentiel é"
    assert _label(dav, "/dav/rh/note.txt") == "Confidentiel é"
    # Over an existing document (its next version): the destination's properties become the source's.
    over = dav.request(
        "COPY", "/dav/rh/note.txt", headers={"Destination": "/dav/rh/autre.txt", "Overwrite": "T"}
    )
    assert over.status_code in (201, 204)
    assert _label(dav, "/dav/rh/autre.txt") == "Confidentiel é"
    assert DavProperty.objects.count() == 3


def test_depth_infinity_copy_of_a_folder_copies_every_property(wsgi_dav, space, manager, subfolder, upload):
    folder = subfolder(space.root, "Projets")
    inner = subfolder(folder, "Plans")
    upload(inner, "plan.txt", b"plan")
    dav = wsgi_dav(manager)
    _tag(dav, "/dav/rh/Projets", "dossier")
    _tag(dav, "/dav/rh/Projets/Plans", "sous-dossier")
    _tag(dav, "/dav/rh/Projets/Plans/plan.txt", "document")

    copied = dav.request(
        "COPY", "/dav/rh/Projets", headers={"Destination": "/dav/rh/Projets 2", "Depth": "infinity"}
    )
    assert copied.status_code in (201, 204), copied.text
    assert _label(dav, "/dav/rh/Projets 2") == "dossier"
    assert _label(dav, "/dav/rh/Projets 2/Plans") == "sous-dossier"
    assert _label(dav, "/dav/rh/Projets 2/Plans/plan.txt") == "document"
    assert DavProperty.objects.count() == 6


def test_trash_keeps_the_properties_restore_brings_them_back_purge_removes_them(
    wsgi_dav, space, manager, upload
):
    document = upload(space.root, "note.txt", b"un")[0]
    dav = wsgi_dav(manager)
    _tag(dav, "/dav/rh/note.txt", "gardée")
    assert dav.request("DELETE", "/dav/rh/note.txt").status_code == 204
    assert dav.propfind("/dav/rh/note.txt", "0").status_code == 404
    assert DavProperty.objects.filter(document=document).count() == 1
    # A new document at the same URL is another object: it does not get them.
    assert dav.request("PUT", "/dav/rh/note.txt", b"nouveau").status_code == 201
    assert _label(dav, "/dav/rh/note.txt") is None
    assert dav.request("DELETE", "/dav/rh/note.txt").status_code == 204

    document.refresh_from_db()
    document_restore(document=document, actor=manager)
    assert _label(dav, "/dav/rh/note.txt") == "gardée"
    assert dav.request("DELETE", "/dav/rh/note.txt").status_code == 204
    document.refresh_from_db()
    document_purge(document=document, actor=manager)
    assert not DavProperty.objects.filter(document_id=document.pk).exists()


def test_explorer_win32_properties_are_kept_and_given_back(
    wsgi_dav, space, manager, make_user, grant, upload
):
    """After Explorer's copy (PUT then PROPPATCH of the Win32 times and attributes), its PROPFIND finds them
    as it set them; the GED's own dates stay the version's; the last access time is not kept; a reader's
    PROPPATCH is answered 200 (as before) and stores nothing."""
    dav = wsgi_dav(manager)
    put = dav.request("PUT", "/dav/rh/rapport.txt", b"rapport", {"User-Agent": EXPLORER})
    assert put.status_code == 201
    document = Document.objects.get(title="rapport.txt")
    patched = dav.request(
        "PROPPATCH", "/dav/rh/rapport.txt", PROPPATCH_WIN32.encode(), {"User-Agent": EXPLORER, **XML}
    )
    assert patched.status_code == 207
    assert "HTTP/1.1 200" in patched.text and "HTTP/1.1 403" not in patched.text
    kept = dict(DavProperty.objects.filter(document=document).values_list("name", "value"))
    assert sorted(kept) == [
        "{urn:schemas-microsoft-com:}Win32CreationTime",
        "{urn:schemas-microsoft-com:}Win32FileAttributes",
        "{urn:schemas-microsoft-com:}Win32LastModifiedTime",
    ]
    found = dav.request(
        "PROPFIND",
        "/dav/rh/rapport.txt",
        PROPFIND_WIN32.encode(),
        {"Depth": "0", "User-Agent": EXPLORER, **XML},
    )
    assert found.status_code == 207
    assert re.search(r"Win32LastModifiedTime>Wed, 02 Sep 2020 09:30:00 GMT<", found.text)
    assert re.search(r"Win32CreationTime>Tue, 01 Sep 2020 08:00:00 GMT<", found.text)
    assert re.search(r"Win32FileAttributes>00000020<", found.text)
    assert "2020" not in re.search(r"getlastmodified>([^<]*)<", found.text).group(1)
    before = (document.created_at, document.updated_at)
    document.refresh_from_db()
    assert (document.created_at, document.updated_at) == before

    reader = make_user("lecteur")
    grant(space.root, Role.READER, user=reader)
    as_reader = wsgi_dav(reader)
    again = PROPPATCH_WIN32.replace("00000020", "00000001")
    refused = as_reader.request(
        "PROPPATCH", "/dav/rh/rapport.txt", again.encode(), {"User-Agent": EXPLORER, **XML}
    )
    assert refused.status_code == 207 and "HTTP/1.1 403" not in refused.text
    assert DavProperty.objects.get(document=document, name__endswith="FileAttributes").value.count("00000020")


@pytest.fixture
def checked_out(space, manager, make_user, grant, upload):
    """A document the contributor Colette checked out on the web; Rémi, another contributor."""
    colette, remi = make_user("colette"), make_user("remi")
    grant(space.root, Role.CONTRIBUTOR, user=colette)
    grant(space.root, Role.CONTRIBUTOR, user=remi)
    document = upload(space.root, "Congés.txt", b"v1")[0]
    document_lock(document=document, actor=colette, minutes=480)
    document.refresh_from_db()
    return document, colette, remi


def test_the_web_checkout_holder_saves_over_dav(wsgi_dav, checked_out):
    """Colette's own PUT (no lock token) becomes a version; Rémi's PUT and LOCK answer 423 meanwhile."""
    document, colette, remi = checked_out
    path = "/dav/rh/Congés.txt"
    assert wsgi_dav(remi).request("PUT", path, b"v2 de Remi").status_code == 423
    assert wsgi_dav(remi).request("LOCK", path, LOCKINFO.encode(), XML).status_code == 423
    saved = wsgi_dav(colette).request("PUT", path, b"v2 de Colette")
    assert saved.status_code == 204, saved.text
    version = Version.objects.get(document=document, number=2)
    assert version.author == colette
    document.refresh_from_db()
    assert document.lock_holder == colette and document.lock_active()
    assert wsgi_dav(remi).request("PUT", path, b"v3 de Remi").status_code == 423


def test_the_holders_word_locks_saves_and_unlocks_and_the_checkout_stays(wsgi_dav, checked_out):
    """Colette's Word: LOCK (granted, not « read-only »), PUT with its token, UNLOCK. One version; the web
    check-out she took stays hers (she releases it on the web) and keeps its 8 hours."""
    document, colette, remi = checked_out
    expires = document.lock_expires_at
    path = "/dav/rh/Congés.txt"
    word = wsgi_dav(colette)
    locked = word.request("LOCK", path, LOCKINFO.encode(), {"Timeout": "Second-3600", **XML})
    assert locked.status_code == 200, locked.text
    token = locked.headers["lock-token"].strip("<>")
    assert wsgi_dav(remi).request("PUT", path, b"v2 de Remi").status_code == 423
    put = word.request("PUT", path, b"v2 de Colette", {"If": f"(<{token}>)"})
    assert put.status_code == 204
    unlocked = word.request("UNLOCK", path, headers={"Lock-Token": f"<{token}>"})
    assert unlocked.status_code == 204
    assert not DavLock.objects.exists()
    document.refresh_from_db()
    assert document.lock_holder == colette and document.lock_expires_at == expires
    assert Version.objects.filter(document=document).count() == 2
    assert wsgi_dav(remi).request("PUT", path, b"v3 de Remi").status_code == 423
