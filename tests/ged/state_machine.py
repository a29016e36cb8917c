"""R5 as a Hypothesis state machine: grants, roles, moves, restrictions, memberships, deactivations, trash,
restore, folder deletion, follows, new versions and single-document shares, in an open, a private and a
secret space, all through the real actions (or the public routes); after every step a small pure-Python
oracle is compared with every entry point (security.md R5, R11).

`GedMachine` is driven by Hypothesis in test_state_machine.py; `replay()` runs a saved sequence of steps as a
plain regression test."""

import datetime
import io
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.test import Client
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ged.actions import (
    document_move,
    document_restore,
    document_share,
    document_trash,
    document_unshare,
    document_update,
    document_upload,
    folder_create,
    folder_delete,
    folder_move,
    folder_restrict,
    grant_revoke,
    grant_set,
    space_create,
    version_create,
)
from ged.choices import Role, ShareRole, SpacePolicy
from ged.models import Document, Folder
from ged.payslips.actions import deposit as payslip_deposit
from ged.payslips.models import Payslip
from ged.payslips.permissions import own_payslips
from ged.payslips.samples import payroll_pdf
from ged.permissions import (
    access_document,
    access_folder,
    access_space,
    may_open_trash,
    readable_documents_q,
)
from ged.queries import recent_documents, search_documents, trash_listing
from ged.samples import docx_bytes
from ged.uploads import stage
from ged.webdav.app import make_app
from ged.webdav.shared import SHARED_NAME
from intranet.notifications.models import Notification
from intranet.people.app_passwords import create_app_password
from intranet.people.leavers import user_deactivate

from .oracle import RANK, Oracle
from .webdav.conftest import WsgiDav

User = get_user_model()
ROLES = [Role.READER, Role.CONTRIBUTOR, Role.EDITOR, Role.MANAGER]
POLICIES = [SpacePolicy.OPEN, SpacePolicy.PRIVATE, SpacePolicy.SECRET]
AGENTS = 3  # agents 0..2; principal index 3 is the group
DOC_URL = re.compile(r"/documents/document/(\d+)/")


class Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


class GedMachine(RuleBasedStateMachine):
    """State: three spaces of three folders (root › A › B), one document per folder, a manager, three
    agents, one group. Steps act as the manager (or as the agent, for follows through the web)."""

    onlyoffice = False  # set by the test when ONLYOFFICE settings are configured

    def __init__(self):
        super().__init__()
        # The home page is checked with its cache on (intranet/dashboard.py), as agents get it: each example
        # starts from an empty cache (the database is rolled back between examples, ids come back).
        assert "DummyCache" not in settings.CACHES["default"]["BACKEND"]
        cache.clear()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.steps = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- World ------------------------------------------------------------------------------------------

    @initialize()
    def build(self):
        o = self.o = Oracle()
        self.manager = User.objects.create(username="sm-manager", first_name="Gestion", last_name="Naire")
        self.agents = [
            User.objects.create(username=f"sm-agent{i}", first_name="Agent", last_name=f"A{i}")
            for i in range(AGENTS)
        ]
        self.group = Group.objects.create(name="sm-groupe")
        self.agents[1].groups.add(self.group)
        o.group = self.group.pk
        o.members = {self.agents[1].pk}
        o.active = {u.pk: True for u in [self.manager, *self.agents]}
        self.folders, self.docs, self.roots, self.spaces = [], [], [], []
        for i, policy in enumerate(POLICIES):
            space = space_create(name=f"Espace {i}", slug=f"sm-{i}", policy=policy, creator=self.manager)
            self.spaces.append(space)
            root = space.root
            self.roots.append(root.pk)
            o.policy[root.pk] = policy
            o.grants[("user", self.manager.pk, root.pk)] = Role.MANAGER
            a = folder_create(parent=root, name=f"A{i}", actor=self.manager)
            b = folder_create(parent=a, name=f"B{i}", actor=self.manager)
            for f, parent in ((root, None), (a, root.pk), (b, a.pk)):
                self.folders.append(f.pk)
                o.parent[f.pk] = parent
                o.restricted[f.pk] = False
                o.folder_trashed[f.pk] = False
                doc, _v = document_upload(
                    folder=f,
                    uploaded_file_or_path=Named(docx_bytes(f"pièce {f.pk}"), f"piece-{f.pk}-x.docx"),
                    author=self.manager,
                )
                document_update(document=doc, actor=self.manager, description="budget communal")
                self.docs.append(doc.pk)
                o.doc_folder[doc.pk] = f.pk
                o.doc_trashed[doc.pk] = False
        self.titles = dict(Document.objects.filter(pk__in=self.docs).values_list("pk", "title"))
        self.clients = {}
        for u in self.agents:
            c = Client()
            c.force_login(u)
            self.clients[u.pk] = c
        # The payslip safe (issue 18): each agent's payslips are theirs alone, outside every bypass — the
        # superuser and the spaces' manager included (oracle: `payslips`, id -> owner).
        for i, u in enumerate(self.agents):
            u.registration_number = f"{700000 + i}"
            u.save(update_fields=["registration_number"])
        self.root = User.objects.create(username="sm-root", is_superuser=True, is_staff=True)
        self.bypass_clients = []
        for u in (self.root, self.manager):
            c = Client()
            c.force_login(u)
            self.bypass_clients.append((u, c))
        o.payslips = {}
        # WebDAV in this thread and transaction (no server, tests/ged/webdav/conftest.py), each viewer of the
        # safe's check with an app password of their own.
        dav_app = make_app(manage_connections=False)
        self.davs = {}
        for u in (*self.agents, self.root, self.manager):
            _password, secret = create_app_password(u, "Machine")
            self.davs[u.pk] = WsgiDav(dav_app, u.username, secret)
        self.seed()

    def seed(self):
        """Start where the reproductions of issue 12 start, so few steps reach the interesting states: the
        open space's B and the private space's A restricted; agent 0 reads the private space and follows its
        root, agent 2 edits its restricted folder alone; agent 0 edits the secret space, whose root the group
        (agent 1) reads; a document of the private root and one of its restricted folder are in the trash."""
        o = self.o
        self.restrict_folder(self.folders[2], True)  # B0
        self.restrict_folder(self.folders[4], True)  # A1
        self.give(0, self.folders[3], Role.READER)
        self.give(2, self.folders[4], Role.EDITOR)
        self.give(0, self.folders[6], Role.EDITOR)
        self.give(AGENTS, self.folders[6], Role.READER)
        follower = self.agents[0]
        response = self.clients[follower.pk].post(f"/documents/dossier/{self.folders[3]}/suivre/")
        assert response.status_code == 302
        o.follows.add((follower.pk, "folder", self.folders[3]))
        for doc in (self.docs[3], self.docs[4]):
            document_trash(document=self.document(doc), actor=self.manager)
            o.doc_trashed[doc] = True

    def restrict_folder(self, folder, restricted):
        folder_restrict(folder=self.folder(folder), restricted=restricted, actor=self.manager)
        self.o.restricted[folder] = restricted

    def give(self, principal, folder, role):
        o = self.o
        if principal == AGENTS:
            key, target = ("group", o.group), {"group": self.group}
            recipients = {u for u in o.members if o.active[u]}
        else:
            user = self.user(principal)
            key, target = ("user", user.pk), {"user": user}
            recipients = {user.pk}
        grant_set(folder=self.folder(folder), role=role, actor=self.manager, **target)
        o.grants[(*key, folder)] = role
        o.note(recipients, "ged.share")

    def user(self, i):
        return self.agents[i % AGENTS]

    def live_folders(self):
        return [f for f in self.folders if not self.o.folder_trashed[f]]

    def folder(self, pk):
        return Folder.objects.select_related("space").get(pk=pk)

    def document(self, pk):
        return Document.objects.select_related("folder", "folder__space").get(pk=pk)

    # --- Rules --------------------------------------------------------------------------------------------

    @rule(principal=st.integers(0, AGENTS), f=st.integers(0, 8), role=st.sampled_from(ROLES))
    def grant(self, principal, f, role):
        live = self.live_folders()
        if principal < AGENTS and not self.o.active[self.user(principal).pk]:
            return
        self.give(principal, live[f % len(live)], role)

    @rule(g=st.integers(0, 50), role=st.sampled_from(ROLES))
    def change_role(self, g, role):
        keys = sorted(k for k in self.o.grants if k[1] != self.manager.pk)
        if not keys:
            return
        kind, principal, folder = keys[g % len(keys)]
        if self.o.folder_trashed[folder]:
            return
        if kind == "user":
            if not self.o.active[principal]:
                return
            target, recipients = {"user": User.objects.get(pk=principal)}, {principal}
        else:
            target = {"group": self.group}
            recipients = {u for u in self.o.members if self.o.active[u]}
        grant_set(folder=self.folder(folder), role=role, actor=self.manager, **target)
        self.o.grants[(kind, principal, folder)] = role
        self.o.note(recipients, "ged.share")

    @rule(g=st.integers(0, 50))
    def revoke(self, g):
        keys = sorted(k for k in self.o.grants if k[1] != self.manager.pk)
        if not keys:
            return
        kind, principal, folder = keys[g % len(keys)]
        target = {"user": User.objects.get(pk=principal)} if kind == "user" else {"group": self.group}
        grant_revoke(folder=self.folder(folder), actor=self.manager, **target)
        del self.o.grants[(kind, principal, folder)]

    @rule(f=st.integers(0, 8), restricted=st.booleans())
    def restrict(self, f, restricted):
        live = [x for x in self.live_folders() if self.o.parent[x] is not None]
        if not live:
            return
        self.restrict_folder(live[f % len(live)], restricted)

    @rule(i=st.integers(0, AGENTS - 1), add=st.booleans())
    def membership(self, i, add):
        user = self.user(i)
        if add:
            user.groups.add(self.group)
            self.o.members.add(user.pk)
        else:
            user.groups.remove(self.group)
            self.o.members.discard(user.pk)

    @rule(i=st.integers(0, AGENTS - 1))
    def deactivate(self, i):
        user = self.user(i)
        if not self.o.active[user.pk]:
            return
        user_deactivate(user=user, reason="ldap", actor=None)
        self.o.active[user.pk] = False

    @rule(d=st.integers(0, 8), f=st.integers(0, 8))
    def move_document(self, d, f):
        live = [x for x in self.docs if not self.o.doc_trashed[x]]
        if not live:
            return
        doc = live[d % len(live)]
        targets = [x for x in self.live_folders() if x != self.o.doc_folder[doc]]
        target = targets[f % len(targets)]
        document_move(document=self.document(doc), target=self.folder(target), actor=self.manager)
        self.o.doc_folder[doc] = target

    @rule(f=st.integers(0, 8), t=st.integers(0, 8))
    def move_folder(self, f, t):
        o = self.o
        movable = [x for x in self.live_folders() if o.parent[x] is not None]
        if not movable:
            return
        folder = movable[f % len(movable)]
        targets = [x for x in self.live_folders() if folder not in o.chain(x) and x != o.parent[folder]]
        if not targets:
            return
        target = targets[t % len(targets)]
        folder_move(folder=self.folder(folder), target=self.folder(target), actor=self.manager)
        o.parent[folder] = target

    @rule(d=st.integers(0, 8))
    def trash(self, d):
        live = [x for x in self.docs if not self.o.doc_trashed[x]]
        if not live:
            return
        doc = live[d % len(live)]
        document_trash(document=self.document(doc), actor=self.manager)
        self.o.doc_trashed[doc] = True

    @rule(d=st.integers(0, 8))
    def restore(self, d):
        trashed = [x for x in self.docs if self.o.doc_trashed[x]]
        if not trashed:
            return
        doc = trashed[d % len(trashed)]
        destination, refused = self.o.restore_destination(doc)
        try:
            document_restore(document=self.document(doc), actor=self.manager)
        except ValidationError:
            assert refused, "restore refused although it would not widen access"
            return
        assert not refused, "restore out of a deleted restricted folder"
        self.o.doc_folder[doc] = destination
        self.o.doc_trashed[doc] = False
        assert Document.objects.get(pk=doc).folder_id == destination

    @rule(f=st.integers(0, 8))
    def delete_folder(self, f):
        candidates = [x for x in self.live_folders() if self.o.parent[x] is not None]
        if not candidates:
            return
        folder = candidates[f % len(candidates)]
        expected = self.o.may_delete(folder)
        try:
            folder_delete(folder=self.folder(folder), actor=self.manager)
        except ValidationError:
            assert not expected, "folder deletion refused although the oracle allows it"
            return
        assert expected, "folder deleted although the oracle refuses it"
        self.o.folder_trashed[folder] = True

    @rule(i=st.integers(0, AGENTS - 1), what=st.integers(0, 17))
    def follow(self, i, what):
        """Through the web, as the agent: the route answers 302 when the oracle says the agent may follow,
        the same 404 as a missing object otherwise."""
        user = self.user(i)
        if not self.o.active[user.pk]:
            return
        o = self.o
        if what < 9:
            doc = self.docs[what]
            kind, pk, url = "document", doc, f"/documents/document/{doc}/suivre/"
            allowed = o.reads(user.pk, doc)
        else:
            folder = self.folders[what - 9]
            kind, pk, url = "folder", folder, f"/documents/dossier/{folder}/suivre/"
            allowed = not o.folder_trashed[folder] and o.role(user.pk, folder) is not None
        status = self.clients[user.pk].post(url).status_code
        assert status == (302 if allowed else 404), (url, status, allowed)
        if allowed:
            o.follows ^= {(user.pk, kind, pk)}

    @rule(
        principal=st.integers(0, AGENTS),
        d=st.integers(0, 8),
        role=st.sampled_from([ShareRole.READER, ShareRole.EDITOR]),
        take_back=st.booleans(),
    )
    def share_document(self, principal, d, role, take_back):
        """Share one live document with an agent or the group, or take the share back."""
        live = [x for x in self.docs if not self.o.doc_trashed[x]]
        if not live:
            return
        doc = live[d % len(live)]
        o = self.o
        if principal == AGENTS:
            key, target = ("group", o.group), {"group": self.group}
            recipients = {u for u in o.members if o.active[u]}
        else:
            user = self.user(principal)
            if not o.active[user.pk]:
                return  # refused with a French message, nothing changes
            key, target = ("user", user.pk), {"user": user}
            recipients = {user.pk}
        if take_back:
            document_unshare(document=self.document(doc), actor=self.manager, **target)
            o.shares.pop((*key, doc), None)
            return
        document_share(document=self.document(doc), role=role, actor=self.manager, **target)
        o.shares[(*key, doc)] = role.role
        o.note(recipients, "ged.share")

    @rule(d=st.integers(0, 8))
    def upload_version(self, d):
        live = [x for x in self.docs if not self.o.doc_trashed[x]]
        if not live:
            return
        doc = live[d % len(live)]
        o = self.o
        chain = set(o.chain(o.doc_folder[doc]))
        followers = {
            u
            for (u, kind, pk) in o.follows
            if (kind == "document" and pk == doc) or (kind == "folder" and pk in chain)
        }
        version_create(
            document=self.document(doc),
            uploaded_file_or_path=Named(docx_bytes(f"v {self.steps}"), self.titles[doc]),
            author=self.manager,
        )
        o.note({u for u in followers if u != self.manager.pk and o.reads(u, doc)}, "ged.version")

    @rule(i=st.integers(0, AGENTS - 1), month=st.integers(1, 12))
    def deposit_payslip(self, i, month):
        """HR deposits a one-page payroll for agent i (a deactivated agent's page stays in quarantine)."""
        agent = self.agents[i]
        period = datetime.date(2026, month, 1)
        staged = stage(Named(payroll_pdf([(agent.registration_number, "x")], period), "paie.pdf"))
        batch = payslip_deposit(period=period, files=[staged], by=self.manager)
        if self.o.active[agent.pk]:
            assert batch.delivered == 1, "an active agent's page is delivered"
            self.o.payslips[batch.payslips.get().pk] = agent.pk
        else:
            assert batch.delivered == 0 and batch.quarantined == 1

    # --- Every entry point against the oracle ---------------------------------------------------------------

    @invariant()
    def same_everywhere(self):
        if not hasattr(self, "o"):
            return
        self.steps += 1
        o = self.o
        for u in User.objects.filter(pk__in=list(o.active)):
            got = set(Document.objects.live().filter(readable_documents_q(u)).values_list("pk", flat=True))
            assert got == o.readable(u.pk), ("readable_documents_q", u.username, got, o.readable(u.pk))
        for agent in self.agents:
            self.check_functions(User.objects.get(pk=agent.pk))
        rows = Notification.objects.filter(verb__in=["ged.share", "ged.version"]).values_list(
            "recipient_id", "verb"
        )
        got = {(r, v): n for r, v, n in rows.annotate(n=Count("id")).values_list("recipient_id", "verb", "n")}
        assert got == o.notes, ("notifications", got, o.notes)
        # The web and API surface, through HTTP, for one agent and a third of the objects per step, in turn:
        # every (agent, object, entry point) every nine steps (each HTTP request costs ~50 ms).
        viewer = self.agents[self.steps % AGENTS]
        part = (self.steps // AGENTS) % 3
        if o.active[viewer.pk]:
            self.check_http(viewer, part)
            self.check_safe(viewer, self.clients[viewer.pk])
        else:
            self.check_gone(viewer)
        for user, client in self.bypass_clients:
            self.check_safe(user, client)

    def check_safe(self, viewer, c):
        """Payslips: the owner sees theirs (queryset, page, API list, download), nobody else sees any, by any
        entry point: safe page, API, download, search, notifications."""
        o = self.o
        mine = {pk for pk, owner in o.payslips.items() if owner == viewer.pk}
        got = set(own_payslips(viewer).values_list("pk", flat=True))
        assert got == mine, ("own_payslips", viewer.username)
        assert {row["id"] for row in c.get("/api/v1/me/payslips").json()} == mine, ("API payslips", viewer)
        page = c.get("/mon-coffre/").content.decode()
        for pk, owner in o.payslips.items():
            expected = 200 if owner == viewer.pk else 404
            assert (f"/mon-coffre/bulletin/{pk}/" in page) == (expected == 200), ("safe page", pk, viewer)
            assert c.get(f"/mon-coffre/bulletin/{pk}/").status_code == expected, ("payslip", pk, viewer)
            if owner != viewer.pk:
                assert c.get(f"/api/v1/me/payslips/{pk}/download").status_code == 404, ("API", pk, viewer)
        body = c.get("/api/v1/search", {"q": "bulletin"}).json()
        assert not [h for h in body["hits"] if "/mon-coffre/" in h["url"]], ("search", viewer)
        noted = Notification.objects.filter(recipient=viewer, verb="payslips.deposit").count()
        assert noted == len(mine), ("payslip notifications", viewer, noted, mine)
        self.check_safe_dav(viewer)

    def check_safe_dav(self, viewer, everything=False):
        """WebDAV: payslips have no path there. Per check, two requests per viewer, in turn over the steps
        (offset by the viewer, so each viewer goes round them all): one PROPFIND (the DAV root, each space,
        « Partagés avec moi » at Depth 1; the root at Depth infinity, refused) that must name no payslip nor
        the safe, and one GET of a path a payslip could have had, which answers 404. `everything`: every
        PROPFIND and every such path (the end of a replay)."""
        dav = self.davs[viewer.pk]
        slips = list(Payslip.objects.values_list("pk", "period", "sha256"))
        listings = [("/dav/", "1"), ("/dav/", "infinity"), (f"/dav/{SHARED_NAME}/", "1")]
        listings += [(f"/dav/{space.slug}/", "1") for space in self.spaces]
        turn = self.steps + viewer.pk
        for path, depth in listings if everything else [listings[turn % len(listings)]]:
            response = dav.propfind(path, depth)
            expected = {403} if depth == "infinity" else {207} if path.count("/") == 2 else {207, 404}
            status = response.status_code
            assert status in expected, ("DAV PROPFIND", path, depth, viewer, status)
            body = response.text.lower()
            named = [sha for _pk, _period, sha in slips if sha in body]
            assert "bulletin" not in body and "coffre" not in body and not named, ("DAV lists", path, viewer)
        paths = [
            f"/dav/{where}{name}"
            for pk, period, _sha in slips or [(0, datetime.date(2026, 1, 1), "")]
            for name in (f"bulletin-{period:%Y-%m}-{pk}.pdf", f"bulletin-{period:%Y-%m}.pdf")
            for where in ("", "mon-coffre/", f"{SHARED_NAME}/", *(f"{s.slug}/" for s in self.spaces))
        ]
        for path in paths if everything else [paths[turn % len(paths)]]:
            assert dav.request("GET", path).status_code == 404, ("DAV GET", path, viewer)

    def check_http(self, viewer, part=None):
        """Every entry point for `viewer`; only the `part`-th third of the documents, folders and spaces
        when `part` is given."""
        o, c, v = self.o, self.clients[viewer.pk], viewer.pk
        readable = o.readable(v)

        def third(items):
            return list(items) if part is None else list(items)[part::3]

        for doc in third(self.docs):
            status = c.get(f"/documents/document/{doc}/").status_code
            assert status == (200 if doc in readable else 404), ("document page", doc, status)
            if self.onlyoffice:
                response = c.get(f"/documents/document/{doc}/en-ligne/")
                assert response.status_code == (200 if doc in readable else 404), ("editor", doc)
                if doc in readable:
                    edit = o.doc_rank(v, doc) >= 2
                    assert response.context["editing"] == edit, ("editor mode", doc, edit)
        for folder in third(self.folders):
            response = c.get(f"/api/v1/ged/folders/{folder}")
            expected = o.enterable(v, folder)
            assert response.status_code == (200 if expected else 404), ("API folder", folder, response)
            if expected:
                body = response.json()
                docs = o.folder_docs(folder) if o.role(v, folder) is not None else set()
                assert {d["id"] for d in body["documents"]} == docs and body["count"] == len(docs)
                assert {c["id"] for c in body["children"]} == o.children(v, folder), ("children", folder)
        for space, root in third(zip(self.spaces, self.roots, strict=True)):
            response = c.get(f"/api/v1/ged/spaces/{space.slug}/trash")
            opens = o.trash_opens(v, root)
            assert response.status_code == (200 if opens else 404), ("trash", space.slug, response)
            if opens:
                body = response.json()
                expected = o.trash(v, root)
                assert {d["id"] for d in body["documents"]} == expected and body["count"] == len(expected)
        body = c.get("/api/v1/search", {"q": "budget", "type": "ged"}).json()
        hits = {int(DOC_URL.search(h["url"]).group(1)) for h in body["hits"] if DOC_URL.search(h["url"])}
        assert hits == readable and body["total"] == len(readable), ("search", hits, readable)
        for space, root in third(zip(self.spaces, self.roots, strict=True)):
            if o.enterable(v, root):
                html = c.get(f"/documents/espace/{space.slug}/recherche/", {"q": "budget"}).content.decode()
                shown = {d for d, t in self.titles.items() if t in html}
                mine = {d for d in readable if o.root(o.doc_folder[d]) == root}
                assert shown == mine, ("space search", space.slug, shown, mine)
        if part not in (None, 0):
            return
        html = c.get("/").content.decode()
        shown = {d for d, t in self.titles.items() if f">{t}<" in html}
        assert shown <= readable and len(shown) == min(6, len(readable)), ("dashboard", shown, readable)

    def check_functions(self, user):
        """The functions behind the pages, for every agent at every step: trash (space and folder), global
        and space search hits and counts, the dashboard's recent documents, each document's access."""
        o, v = self.o, user.pk
        readable = o.readable(v)
        for space, root in zip(self.spaces, self.roots, strict=True):
            try:
                opens = may_open_trash(user, access_space(user, space.slug))
            except Http404:
                opens = False
            assert opens == o.trash_opens(v, root), ("trash opens", user.username, space.slug)
            if opens:
                got = {r["id"] for r in trash_listing(user, space, page=1).object_list}
                assert got == o.trash(v, root), ("trash", user.username, space.slug, got, o.trash(v, root))
            rows, total = search_documents(user, "budget", space=space)
            mine = {d for d in readable if o.root(o.doc_folder[d]) == root}
            assert {r["id"] for r in rows} == mine and total == len(mine), ("space search", space.slug)
        for folder in self.live_folders():
            try:
                access = access_folder(user, folder, need="trash")
            except Http404:
                continue
            assert RANK[o.role(v, folder)] >= 3, ("folder trash opens", user.username, folder)
            got = {r["id"] for r in trash_listing(user, access.space, folder=access.folder).object_list}
            subtree = {d for d in o.trash(v, o.root(folder)) if folder in o.chain(o.doc_folder[d])}
            assert got == subtree, ("folder trash", user.username, folder, got, subtree)
        rows, total = search_documents(user, "budget")
        assert {r["id"] for r in rows} == readable and total == len(readable), ("search", user.username)
        assert {r["id"] for r in recent_documents(user, limit=50)} == readable, ("recent", user.username)
        for doc in self.docs:
            try:
                access_document(user, doc)
                got = True
            except Http404:
                got = False
            assert got == (doc in readable), ("access_document", user.username, doc)

    def check_gone(self, viewer):
        """A deactivated agent's session ended: nothing answers with content any more."""
        c = self.clients[viewer.pk]
        for url in (
            f"/documents/document/{self.docs[0]}/",
            f"/api/v1/ged/folders/{self.roots[0]}",
            f"/api/v1/ged/spaces/{self.spaces[0].slug}/trash",
        ):
            assert c.get(url).status_code != 200, url
        # Deactivation revoked their app passwords: DAV asks for credentials.
        assert self.davs[viewer.pk].propfind("/dav/").status_code == 401, ("DAV", viewer)


def replay(steps, *, onlyoffice=False):
    """Run a saved sequence [(rule name, kwargs), …] with the invariant after each step."""
    machine = GedMachine()
    machine.onlyoffice = onlyoffice
    try:
        machine.build()
        for name, kwargs in steps:
            getattr(machine, name)(**kwargs)
            machine.same_everywhere()
        for viewer in machine.agents:  # and the whole surface at the end
            if machine.o.active[viewer.pk]:
                machine.check_http(viewer)
                machine.check_safe_dav(viewer, everything=True)
        for viewer, _client in machine.bypass_clients:
            machine.check_safe_dav(viewer, everything=True)
    finally:
        machine.teardown()
