"""LOCK, UNLOCK and PROPPATCH through DAV for every agent, folder and document of the permission matrix's GED
(test_permission_matrix.py's `World`, judged by the same oracle), and the regressions of the LOCK audit.

- LOCK (exclusive, Depth 0 and infinity) on a document needs the web's check-out right (contributor), on a
  folder the right to add documents to it (contributor): writable → 2xx, then UNLOCK with its token → 204
  and nothing stays locked (no check-out, no lock row); readable but not writable → 403; hidden → what a
  missing name answers (a LOCK there is a LOCK on an unmapped URL: 409 under a folder the agent cannot
  enter, 403 where they may not add a document).
- UNLOCK of the manager's lock: 403 to anyone else who sees the resource, 404 when hidden.
- PROPPATCH of a dead property: 200 (in the 207) to who may change the resource, 403 to a reader, 404 hidden.
- Regressions: (a) a reader's LOCK of a document checked it out (everyone's saves blocked for hours); a
  refresh by an agent who lost the right extended it; (b) a reader's Depth-infinity LOCK of a folder blocked
  the manager's PUT, new version and DELETE there; (c) a conflicting lock on a document of a restricted
  sub-folder was named in the 423 answered to an agent who may not see it.

Each matrix question runs inside a savepoint rolled back after it: every question is asked of the same GED."""

import re
from xml.etree import ElementTree

from django.db import transaction

from ged.actions import document_upload, grant_set
from ged.choices import Role
from ged.models import DavLock, Document, Folder

from . import test_permission_matrix as matrix
from .test_permission_matrix import Named, _expected_write_under, _kind

# The permission matrix's GED (built once for this module too) and its agents' clients.
world = matrix.world
clients = matrix.clients

LOCKINFO = (
    b'<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
    b"</D:lockscope><D:locktype><D:write/></D:locktype><D:owner>matrice</D:owner></D:lockinfo>"
)
PROPPATCH = (
    b'<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:M="urn:matrice:">'
    b"<D:set><D:prop><M:note>relu</M:note></D:prop></D:set></D:propertyupdate>"
)


def _lock(dav, path, depth="0"):
    return dav.request(
        "LOCK", path, LOCKINFO, {"Depth": depth, "Timeout": "Second-600", "Content-Type": "text/xml"}
    )


def _token(response) -> str:
    return response.headers["lock-token"].strip("<>")


def _unlock(dav, path, token):
    return dav.request("UNLOCK", path, headers={"Lock-Token": f"<{token}>"})


def _refresh(dav, path, token):
    return dav.request("LOCK", path, headers={"If": f"(<{token}>)", "Timeout": "Second-1200"})


def _proppatch_kind(response) -> str:
    """A PROPPATCH's outcome: the status inside its 207 (the property's), else the response's own."""
    if response.status_code != 207:
        return _kind(response.status_code)
    statuses = [e.text for e in ElementTree.fromstring(response.content).iter("{DAV:}status")]
    codes = {int(s.split()[1]) for s in statuses}
    return _kind(codes.pop()) if len(codes) == 1 else f"mixed {sorted(codes)}"


def _savepoint(fn):
    sid = transaction.savepoint()
    try:
        return fn()
    finally:
        transaction.savepoint_rollback(sid)


def _nothing_locked() -> bool:
    return (
        not DavLock.objects.exists()
        and not Document.objects.filter(lock_holder__isnull=False).exists()
        and not Document.objects.filter(placeholder=True).exists()
    )


def _expected_hidden(world, user, folder) -> str:
    """A LOCK on the name of something the agent may not see (wsgidav's LOCK on an unmapped URL): 409 under a
    folder they cannot enter (as under a missing one), 403 elsewhere (no right to add a document there, or a
    name taken by something hidden), `/dav/` refusing a new space (403)."""
    if folder is None:
        return "403"
    if not world.o.enterable(user.pk, folder):
        return "409"
    return "403"


def test_lock_unlock_proppatch_answer_what_the_oracle_allows(world, clients):
    o, mismatches, asked = world.o, [], []
    boss = clients["gestion"]

    def check(who, what, got, expected):
        asked.append(what)
        if got != expected:
            mismatches.append(f"{who}: {what} → {got}, expected {expected}")

    def lock_then_unlock(dav, path, depth):
        """LOCK; when granted, UNLOCK with its token: (LOCK outcome, UNLOCK outcome, nothing left locked)."""

        def run():
            got = _lock(dav, path, depth)
            if not 200 <= got.status_code < 300:
                return _kind(got.status_code), None, _nothing_locked()
            released = _unlock(dav, path, _token(got))
            return _kind(got.status_code), released.status_code, _nothing_locked()

        return _savepoint(run)

    def unlock_boss_lock(dav, path):
        def run():
            got = _lock(boss, path, "0")
            assert got.status_code == 200, (path, got.status_code, got.text)
            return _kind(_unlock(dav, path, _token(got)).status_code)

        return _savepoint(run)

    for name, user in world.users.items():
        if not o.active[user.pk] or name == "gestion":
            continue
        dav = clients[name]
        for doc, path in world.doc_path.items():
            folder = o.doc_folder[doc]
            rank = world.rank(user, folder)
            readable = o.reads(user.pk, doc)
            for depth in ("0", "infinity"):
                got, released, clean = lock_then_unlock(dav, path, depth)
                if readable:
                    expected = "ok" if rank >= 2 else "403"
                else:  # an unreadable document's name is a new document's in that folder (as for PUT)
                    expected = _expected_write_under(world, user, folder, 2)
                check(name, f"LOCK {path} Depth {depth}", got, expected)
                if got == "ok":
                    check(name, f"UNLOCK {path} after LOCK Depth {depth}", released, 204)
                check(name, f"nothing locked after LOCK {path} Depth {depth}", clean, True)
            if not o.doc_trashed[doc]:
                expected = "403" if readable else "404"
                check(name, f"UNLOCK {path} (the manager's lock)", unlock_boss_lock(dav, path), expected)
            patched = _savepoint(lambda dav=dav, path=path: dav.request("PROPPATCH", path, PROPPATCH))
            expected = ("ok" if rank >= 2 else "403") if readable else "404"
            check(name, f"PROPPATCH {path}", _proppatch_kind(patched), expected)

        for folder, path in world.folder_path.items():
            enterable = o.enterable(user.pk, folder)
            rank = world.rank(user, folder)
            for depth in ("0", "infinity"):
                got, released, clean = lock_then_unlock(dav, path, depth)
                if enterable:
                    expected = "ok" if rank >= 2 else "403"
                else:
                    expected = _expected_hidden(world, user, o.parent[folder])
                check(name, f"LOCK {path} Depth {depth}", got, expected)
                if got == "ok":
                    check(name, f"UNLOCK {path} after LOCK Depth {depth}", released, 204)
                check(name, f"nothing locked after LOCK {path} Depth {depth}", clean, True)
            check(
                name,
                f"UNLOCK {path} (the manager's lock)",
                unlock_boss_lock(dav, path),
                "403" if enterable else "404",
            )
            patched = _savepoint(lambda dav=dav, path=path: dav.request("PROPPATCH", path, PROPPATCH))
            expected = ("ok" if rank >= 2 else "403") if enterable else "404"
            check(name, f"PROPPATCH {path}", _proppatch_kind(patched), expected)

    assert not mismatches, "\n".join(mismatches)
    assert len(asked) > 500  # 7 agents × (7 documents × 7 or 8, 6 folders × 8 questions)
    assert _nothing_locked()


def test_dav_root_and_shared_collection_are_never_locked(world, clients):
    """A lock on `/dav/` or « Partagés avec moi » would bind every agent's paths: refused to everyone."""
    for name in ("gestion", "lecteur"):
        for path in ("/dav/", "/dav/Partagés avec moi"):
            assert _lock(clients[name], path, "infinity").status_code == 403, (name, path)
    assert _nothing_locked()


# --- Regressions -------------------------------------------------------------------------------------------


def test_a_reader_cannot_check_a_document_out_by_lock(world, clients):
    """(a) A reader's LOCK of a document: 403, no check-out, no lock; everyone's saves still pass."""
    reader, writer = clients["lecteur"], clients["contributeur"]
    path = "/dav/rh/Règlement.txt"
    refused = _lock(reader, path)
    assert refused.status_code == 403
    assert "lock-token" not in refused.headers
    assert _nothing_locked()
    assert writer.request("PUT", path, b"nouvelle version").status_code in (200, 204)


def test_a_refresh_needs_the_right_still(world, clients):
    """(a) A refresh is a LOCK too: an agent who lost the right to change the document cannot extend their
    lock (nor the check-out it is)."""
    path = "/dav/rh/Règlement.txt"
    writer = clients["contributeur"]
    got = _lock(writer, path)
    assert got.status_code == 200
    token = _token(got)
    assert _refresh(writer, path, token).status_code == 200
    before = Document.objects.get(title="Règlement.txt").lock_expires_at
    grant_set(
        folder=world.spaces["rh"].root,
        role=Role.READER,
        actor=world.boss,
        user=world.users["contributeur"],
        notify_grantee=False,
    )
    assert _refresh(writer, path, token).status_code == 403
    assert Document.objects.get(title="Règlement.txt").lock_expires_at == before


def test_a_reader_cannot_lock_a_folder(world, clients):
    """(b) A reader's Depth-infinity LOCK of a folder: 403, no lock; the manager's PUT, new version and DELETE
    in that folder pass."""
    reader, boss = clients["lecteur"], clients["gestion"]
    for depth in ("infinity", "0"):
        assert _lock(reader, "/dav/rh/Procédures", depth).status_code == 403
        assert _lock(reader, "/dav/rh", depth).status_code == 403
    assert _nothing_locked()
    assert boss.request("PUT", "/dav/rh/Procédures/Nouveau.txt", b"neuf").status_code in (200, 201, 204)
    assert boss.request("PUT", "/dav/rh/Procédures/Congés.txt", b"version 2").status_code in (200, 204)
    assert boss.request("DELETE", "/dav/rh/Procédures/Congés.txt").status_code == 204


def test_a_lock_null_lock_needs_the_right_to_add_a_document(world, clients):
    """LOCK on an unmapped URL makes a placeholder: a reader may not (403), a contributor may (201)."""
    assert _lock(clients["lecteur"], "/dav/rh/Procédures/Brouillon.docx").status_code == 403
    assert not Document.objects.filter(title="Brouillon.docx").exists()
    made = _lock(clients["contributeur"], "/dav/rh/Procédures/Brouillon.docx")
    assert made.status_code == 201
    assert Document.objects.filter(title="Brouillon.docx", placeholder=True).exists()


def test_a_lock_on_the_name_of_a_hidden_folder_locks_nothing(world, clients):
    """A contributor of « rh » who cannot see the restricted « Paie »: LOCK /rh/Paie is a LOCK on an unmapped
    URL for them, and must neither lock the folder (its agents' writes would answer 423) nor make a
    placeholder under its name."""
    for depth in ("infinity", "0"):
        assert _lock(clients["contributeur"], "/dav/rh/Paie", depth).status_code == 403
    assert _nothing_locked()
    assert clients["restreint"].request("PUT", "/dav/rh/Paie/Bulletin.txt", b"v2").status_code in (200, 204)


def test_a_hidden_conflict_is_never_named(world, clients):
    """(c) A document checked out in a restricted sub-folder: the 423 of a Depth-infinity LOCK of the parent
    names neither it nor its folder for an agent who may not see them, and still names what they see."""
    paie = Folder.objects.get(space=world.spaces["rh"], name="Paie")
    document_upload(
        folder=paie, uploaded_file_or_path=Named(b"secret", "bulletin-secret-Dupont.txt"), author=world.boss
    )
    inside = clients["restreint"]
    assert _lock(inside, "/dav/rh/Paie/bulletin-secret-Dupont.txt").status_code == 200

    outside = clients["editeur"]
    for path in ("/dav/rh", "/dav/rh/"):
        refused = _lock(outside, path, "infinity")
        assert refused.status_code == 423
        assert not re.search(r"(?i)paie|bulletin|dupont", refused.text), refused.text
    # The folder itself, moved or deleted with what it holds: the same 423 naming nothing.
    moved = outside.request("MOVE", "/dav/rh/Procédures", headers={"Destination": "/dav/rh/Autres"})
    assert moved.status_code in (201, 204)  # nothing of « Procédures » is locked

    # Someone who sees the document gets its path, as before.
    seen = _lock(clients["gestion"], "/dav/rh", "infinity")
    assert seen.status_code == 423
    assert "bulletin-secret-Dupont.txt" in seen.text

    # A visible conflict alone is named to the agent who sees it.
    inside_unlock = DavLock.objects.get()
    assert _unlock(inside, "/dav/rh/Paie/bulletin-secret-Dupont.txt", inside_unlock.token).status_code == 204
    assert _lock(clients["gestion"], "/dav/rh/Règlement.txt").status_code == 200
    named = _lock(outside, "/dav/rh", "infinity")
    assert named.status_code == 423
    assert "R%C3%A8glement.txt" in named.text or "Règlement.txt" in named.text
    assert not re.search(r"(?i)paie|bulletin|dupont", named.text)


def test_litmus_like_owner_locks_still_work(world, clients):
    """The owner of a lock (with write rights) refreshes it and writes through it; a folder lock by a
    contributor covers its documents."""
    writer = clients["contributeur"]
    got = _lock(writer, "/dav/rh/Procédures", "infinity")
    assert got.status_code == 200
    token = _token(got)
    assert _refresh(writer, "/dav/rh/Procédures", token).status_code == 200
    assert writer.request(
        "PUT", "/dav/rh/Procédures/Congés.txt", b"v2", headers={"If": f"(<{token}>)"}
    ).status_code in (200, 204)
    assert clients["gestion"].request("PUT", "/dav/rh/Procédures/Congés.txt", b"v3").status_code == 423
    assert _unlock(writer, "/dav/rh/Procédures", token).status_code == 204
    assert _nothing_locked()
