"""The permission matrix through DAV, judged by the same oracle as the web (tests/ged/oracle.py).

One GED is built once for the module (an open, a private and a secret space; a sub-folder, a restricted
folder, an empty folder, a trashed document; agents holding each role at the root or in the restricted folder
only, a group's grants, a non-member, an inactive account) and mirrored in the oracle. Then, for every agent
and every folder and document, every DAV operation (PROPFIND Depth 0 and 1, GET, PUT of a new version and of
a new document, MKCOL, DELETE, MOVE, COPY) must answer what the oracle allows: readable → 2xx, not readable
→ 404 exactly as a missing resource (absent from its parent's listing; a write under a folder the agent
cannot enter → 409 as under a missing one), readable but not writable → 403. The web's own permission
functions are asked the same questions, and the web pages answer 200 exactly when DAV does.

Writes run inside a savepoint rolled back after each request, so every question is asked of the same GED.
In-process WSGI calls (tests/ged/webdav/conftest.py's client)."""

import io
from urllib.parse import unquote
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import Http404
from django.test import Client
from django.test.utils import override_settings

from ged.actions import (
    document_trash,
    document_upload,
    folder_create,
    folder_restrict,
    grant_set,
    space_create,
)
from ged.choices import Role, SpacePolicy
from ged.models import Document, Folder
from ged.permissions import access_document, folder_access
from intranet.people.app_passwords import create_app_password

from ..oracle import RANK, Oracle
from .conftest import WsgiDav

User = get_user_model()


class Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


class World:
    """The GED, its oracle, the DAV paths of its folders and documents, an app password per agent."""

    def __init__(self, storage_root: str):
        self.storage_root = storage_root
        self.o = o = Oracle()
        self.folder_path, self.folder_name, self.doc_path, self.doc_title, self.doc_body = {}, {}, {}, {}, {}
        self.spaces = {}
        boss = self.boss = User.objects.create(
            username="mx-gestion", first_name="Gaëlle", last_name="Gestion"
        )
        names = ["lecteur", "contributeur", "editeur", "gerant", "restreint", "membre", "externe", "inactif"]
        self.users = {
            name: User.objects.create(username=f"mx-{name}", first_name=name.title()) for name in names
        }
        self.users["gestion"] = boss
        u = self.users
        group = Group.objects.create(name="mx-service")
        u["membre"].groups.add(group)
        o.group, o.members = group.pk, {u["membre"].pk}

        def space(slug, policy):
            made = space_create(name=f"Espace {slug}", slug=slug, policy=policy, creator=boss)
            root = made.root
            self.spaces[slug] = made
            o.policy[root.pk] = policy
            o.grants[("user", boss.pk, root.pk)] = Role.MANAGER
            self._folder(root, None, f"/dav/{slug}")
            return root

        def folder(parent, name, restricted=False):
            made = folder_create(parent=parent, name=name, actor=boss)
            if restricted:
                folder_restrict(folder=made, restricted=True, actor=boss)
            self._folder(made, parent.pk, f"{self.folder_path[parent.pk]}/{name}", restricted)
            return made

        def doc(parent, title, trashed=False):
            body = f"contenu de {title}".encode()
            made = document_upload(folder=parent, uploaded_file_or_path=Named(body, title), author=boss)[0]
            if trashed:
                document_trash(document=made, actor=boss)
            self.doc_path[made.pk] = f"{self.folder_path[parent.pk]}/{title}"
            self.doc_title[made.pk], self.doc_body[made.pk] = title, body
            o.doc_folder[made.pk], o.doc_trashed[made.pk] = parent.pk, trashed
            return made

        def give(folder_obj, role, user=None, grp=None):
            grant_set(folder=folder_obj, role=role, actor=boss, user=user, group=grp, notify_grantee=False)
            o.grants[("group", group.pk, folder_obj.pk) if grp else ("user", user.pk, folder_obj.pk)] = role

        rh = space("rh", SpacePolicy.PRIVATE)
        sub = folder(rh, "Procédures")
        paie = folder(rh, "Paie", restricted=True)
        folder(rh, "Vide")
        doc(rh, "Règlement.txt")
        doc(sub, "Congés.txt")
        doc(sub, "Ancien.txt", trashed=True)
        doc(paie, "Bulletin.txt")
        direction = space("direction", SpacePolicy.SECRET)
        doc(direction, "Stratégie.txt")
        public = space("public", SpacePolicy.OPEN)
        doc(public, "Horaires.txt")

        give(rh, Role.READER, u["lecteur"])
        give(rh, Role.CONTRIBUTOR, u["contributeur"])
        give(rh, Role.EDITOR, u["editeur"])
        give(rh, Role.MANAGER, u["gerant"])
        give(paie, Role.CONTRIBUTOR, u["restreint"])
        give(rh, Role.READER, grp=group)
        give(paie, Role.EDITOR, grp=group)
        give(direction, Role.READER, u["lecteur"])
        give(rh, Role.EDITOR, u["inactif"])
        o.active = {user.pk: True for user in u.values()}
        self.secrets = {name: create_app_password(user, "Matrice")[1] for name, user in u.items()}
        User.objects.filter(pk=u["inactif"].pk).update(is_active=False)
        u["inactif"].refresh_from_db()
        o.active[u["inactif"].pk] = False

    def _folder(self, folder, parent, path, restricted=False):
        self.o.parent[folder.pk], self.o.restricted[folder.pk] = parent, restricted
        self.o.folder_trashed[folder.pk] = False
        self.folder_path[folder.pk], self.folder_name[folder.pk] = path, path.rsplit("/", 1)[-1]

    def rank(self, user, folder) -> int:
        return RANK[self.o.role(user.pk, folder)]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The GED of the module, built once inside a transaction rolled back at the end."""
    storage = str(tmp_path_factory.mktemp("ged-matrix"))
    with (
        django_db_blocker.unblock(),
        override_settings(GED_STORAGE_ROOT=storage, GED_STORAGE_ALIAS="", GED_ACCEL_REDIRECT_PREFIX=""),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield World(storage)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def clients(world, db, settings):
    from ged.webdav.app import make_app

    settings.GED_STORAGE_ROOT = world.storage_root
    app = make_app(manage_connections=False)
    return {name: WsgiDav(app, user.username, world.secrets[name]) for name, user in world.users.items()}


def _ask(dav, method, path, body=b"", headers=None):
    """One request whose writes are rolled back: the next question finds the same GED."""
    sid = transaction.savepoint()
    try:
        return dav.request(method, path, body, headers)
    finally:
        transaction.savepoint_rollback(sid)


def _kind(status: int) -> str:
    return "ok" if 200 <= status < 300 else str(status)


def _listing(response, path) -> list[str]:
    base = path.rstrip("/")
    out = []
    for e in ElementTree.fromstring(response.content).iter("{DAV:}href"):
        href = unquote(e.text).rstrip("/")
        if href != base:
            out.append(href.rsplit("/", 1)[-1])
    return sorted(out)


def _expected_write_under(world, user, folder, minimum) -> str:
    """A write making something new in `folder`: 409 when the agent cannot enter it (as under a missing
    folder), 403 under `minimum`, ok at or above it."""
    if not world.o.enterable(user.pk, folder):
        return "409"
    return "ok" if world.rank(user, folder) >= minimum else "403"


def test_dav_answers_what_the_oracle_allows(world, clients):
    o, mismatches, asked = world.o, [], []

    def check(who, what, got, expected):
        asked.append(what)
        if got != expected:
            mismatches.append(f"{who}: {what} → {got}, expected {expected}")

    for name, user in world.users.items():
        dav = clients[name]
        active = o.active[user.pk]
        if not active:
            # Refused at the door: 401, then 429 once the failures reach the login throttle.
            for path in ("/dav/", world.folder_path[world.spaces["rh"].root_id], *world.doc_path.values()):
                status = dav.request(
                    "GET" if path in world.doc_path.values() else "PROPFIND", path
                ).status_code
                check(name, f"request {path} as an inactive account", status in (401, 429), True)
            continue

        # /dav/: the spaces the agent may enter, secret ones only to their members.
        root = dav.propfind("/dav/", "1")
        expected = sorted(
            [
                *(slug for slug, s in world.spaces.items() if o.enterable(user.pk, s.root_id)),
                "Partagés avec moi",
            ]
        )
        check(name, "PROPFIND /dav/ Depth 1", _listing(root, "/dav/"), expected)

        for folder, path in world.folder_path.items():
            enterable = o.enterable(user.pk, folder)
            check(
                name,
                f"PROPFIND {path} Depth 0",
                _kind(dav.propfind(path, "0").status_code),
                "ok" if enterable else "404",
            )
            listing = dav.propfind(path, "1")
            if enterable:
                names = {world.folder_name[f] for f in o.children(user.pk, folder)}
                names |= {world.doc_title[d] for d in o.folder_docs(folder) if o.reads(user.pk, d)}
                check(name, f"PROPFIND {path} Depth 1", _listing(listing, path), sorted(names))
            else:
                check(name, f"PROPFIND {path} Depth 1", listing.status_code, 404)
            check(
                name,
                f"MKCOL {path}/Nouveau",
                _kind(_ask(dav, "MKCOL", f"{path}/Nouveau").status_code),
                _expected_write_under(world, user, folder, 2),
            )
            check(
                name,
                f"PUT {path}/nouveau.txt",
                _kind(_ask(dav, "PUT", f"{path}/nouveau.txt", b"nouveau").status_code),
                _expected_write_under(world, user, folder, 2),
            )
            if o.parent[folder] is None:
                continue
            may = world.rank(user, folder) >= 3
            expected = ("ok" if may else "403") if enterable else "404"
            moved = _ask(dav, "MOVE", path, headers={"Destination": f"{path} renommé"})
            check(name, f"MOVE {path}", _kind(moved.status_code), expected)
            if not o.restricted[folder]:  # (a restricted folder keeps its trashed documents: not deletable)
                check(name, f"DELETE {path}", _kind(_ask(dav, "DELETE", path).status_code), expected)

        for doc, path in world.doc_path.items():
            folder = o.doc_folder[doc]
            readable = o.reads(user.pk, doc)
            rank = world.rank(user, folder)
            gone = "ok" if readable else "404"
            check(name, f"PROPFIND {path} Depth 0", _kind(dav.propfind(path, "0").status_code), gone)
            got = dav.request("GET", path)
            check(name, f"GET {path}", _kind(got.status_code), gone)
            if readable:
                check(name, f"GET {path} body", got.content, world.doc_body[doc])
            # The same bytes again: a version for who may send one (nothing changes), never for the others.
            put = _ask(dav, "PUT", path, world.doc_body[doc])
            if readable:
                expected = "ok" if rank >= 2 else "403"
            else:  # an unreadable document's name is a new document's in that folder
                expected = _expected_write_under(world, user, folder, 2)
            check(name, f"PUT {path}", _kind(put.status_code), expected)
            dest = path.rsplit("/", 1)[0]
            moved = _ask(dav, "MOVE", path, headers={"Destination": f"{dest}/renommé.txt"})
            check(
                name,
                f"MOVE {path}",
                _kind(moved.status_code),
                ("ok" if rank >= 3 else "403") if readable else "404",
            )
            copied = _ask(dav, "COPY", path, headers={"Destination": f"{dest}/copie.txt"})
            check(
                name,
                f"COPY {path}",
                _kind(copied.status_code),
                ("ok" if rank >= 2 else "403") if readable else "404",
            )
            deleted = _ask(dav, "DELETE", path)
            check(
                name,
                f"DELETE {path}",
                _kind(deleted.status_code),
                ("ok" if rank >= 3 else "403") if readable else "404",
            )

    assert not mismatches, "\n".join(mismatches)
    assert len(asked) > 550  # 8 active agents × (/dav/, 6 folders × 4 to 6, 7 documents × 6 or 7 questions)
    assert Document.objects.filter(pk__in=world.doc_path).count() == len(world.doc_path)
    assert not Document.objects.filter(title__in=["nouveau.txt", "copie.txt", "renommé.txt"]).exists()


def test_missing_resources_answer_like_hidden_ones(world, clients):
    """What an agent may not see answers exactly what a missing name answers."""
    dav = clients["externe"]
    assert dav.propfind("/dav/rh/Absent", "0").status_code == 404
    assert dav.request("GET", "/dav/rh/absent.txt").status_code == 404
    assert _ask(dav, "PUT", "/dav/absent/x.txt", b"x").status_code == 409
    assert _ask(dav, "MKCOL", "/dav/absent/Dossier").status_code == 409
    assert _ask(dav, "DELETE", "/dav/rh/Absent").status_code == 404


def test_the_web_permission_functions_agree_with_the_oracle(world, db):
    """The web's own functions (access_document, folder_access) give what the oracle gives."""
    o, mismatches = world.o, []
    for name, user in world.users.items():
        if not o.active[user.pk]:
            continue
        for doc in world.doc_path:
            document = Document.objects.get(pk=doc)
            rank = world.rank(user, o.doc_folder[doc])
            try:
                abilities = access_document(user, doc, need="read", trashed=o.doc_trashed[doc]).abilities
            except Http404:
                abilities = {}
            live = not o.doc_trashed[doc]
            got = (
                bool(abilities.get("read")) and live,  # a trashed document is the trash's, not DAV's
                bool(abilities.get("upload_version")),
                bool(abilities.get("trash")),
            )
            want = (o.reads(user.pk, doc), live and rank >= 2, live and rank >= 3)
            if got != want:
                mismatches.append(f"{name} {document.title}: {got} != {want}")
        for folder in world.folder_path:
            abilities = folder_access(user, Folder.objects.get(pk=folder)).abilities
            rank = world.rank(user, folder)
            got = (abilities["enter"], abilities["upload"], abilities["create_folder"], abilities["rename"])
            want = (
                o.enterable(user.pk, folder),
                rank >= 2,
                rank >= 2,
                rank >= 3 and o.parent[folder] is not None,
            )
            if got != want:
                mismatches.append(f"{name} folder {world.folder_path[folder]}: {got} != {want}")
    assert not mismatches, "\n".join(mismatches)


def test_web_pages_answer_200_exactly_when_dav_does(world, clients):
    """For every agent and document, the web page and the web download answer 200 exactly when DAV GET
    does; for every folder, the folder page exactly when DAV PROPFIND does."""
    mismatches = []
    for name, user in world.users.items():
        web = Client()
        web.force_login(user)
        dav = clients[name]
        for doc, path in world.doc_path.items():
            dav_ok = dav.request("GET", path).status_code == 200
            page = web.get(f"/documents/document/{doc}/").status_code == 200
            download = web.get(f"/documents/document/{doc}/telecharger/")
            if download.status_code == 200 and hasattr(download, "streaming_content"):
                b"".join(download.streaming_content)
            if (page, download.status_code == 200) != (dav_ok, dav_ok):
                mismatches.append(
                    f"{name} {path}: page {page}, download {download.status_code}, DAV {dav_ok}"
                )
        for folder, path in world.folder_path.items():
            dav_ok = dav.propfind(path, "0").status_code == 207
            if world.o.parent[folder] is None:  # a space's root folder is the space's page
                slug = path.rsplit("/", 1)[-1]
                page = web.get(f"/documents/espace/{slug}/").status_code == 200
            else:
                page = web.get(f"/documents/dossier/{folder}/").status_code == 200
            if page != dav_ok:
                mismatches.append(f"{name} folder {path}: page {page}, DAV {dav_ok}")
    assert not mismatches, "\n".join(mismatches)
