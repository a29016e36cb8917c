"""The permission model against a small pure-Python oracle, driven by seeded random sequences of grant /
revoke / restrict / move / membership steps (R5)."""

import random

import pytest

from ged.actions import document_move, folder_restrict, grant_revoke
from ged.choices import Role, SpacePolicy
from ged.models import Document
from ged.permissions import abilities, forget_grants, readable_documents_q

RANK = {None: 0, Role.READER: 1, Role.CONTRIBUTOR: 2, Role.EDITOR: 3, Role.MANAGER: 4}


class Oracle:
    """In-memory model of ARCHITECTURE.md's rule, independent of the database."""

    def __init__(self, policy):
        self.policy = policy
        self.parent = {}
        self.restricted = {}
        self.grants = {}  # (kind, principal id, folder id) -> role
        self.groups = {}  # user id -> set of group ids
        self.doc_folder = {}
        self.root = None

    def chain(self, folder):
        out = []
        while folder is not None:
            out.append(folder)
            folder = self.parent[folder]
        return list(reversed(out))

    def role(self, user, folder):
        principals = {("user", user)} | {("group", g) for g in self.groups.get(user, ())}
        if any(self.grants.get((k, p, self.root)) == Role.MANAGER for k, p in principals):
            return Role.MANAGER
        chain = self.chain(folder)
        start = max([i for i, f in enumerate(chain) if self.restricted[f]] or [0])
        roles = [self.grants.get((k, p, f)) for f in chain[start:] for k, p in principals]
        if self.policy == SpacePolicy.OPEN and start == 0:
            roles.append(Role.READER)
        return max(roles, key=lambda r: RANK[r], default=None)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("policy", [SpacePolicy.PRIVATE, SpacePolicy.OPEN])
def test_random_steps_agree_with_oracle(
    seed, policy, make_space, make_user, make_group, subfolder, upload, grant, manager
):
    """After every step, abilities and the readable-documents filter agree with the oracle."""
    rng = random.Random(seed)
    space = make_space(policy=policy)
    users = [make_user() for _ in range(4)]
    groups = [make_group(f"g{seed}-{i}") for i in range(2)]
    oracle = Oracle(policy)
    oracle.root = space.root.pk
    oracle.parent[space.root.pk] = None
    oracle.restricted[space.root.pk] = False
    oracle.grants[("user", manager.pk, space.root.pk)] = Role.MANAGER
    folders = [space.root]
    for i in range(5):
        parent = rng.choice(folders)
        f = subfolder(parent, f"F{i}")
        folders.append(f)
        oracle.parent[f.pk] = parent.pk
        oracle.restricted[f.pk] = False
    docs = []
    for i, f in enumerate(folders):
        d, _v = upload(f, f"doc{i}.txt", f"contenu {i}".encode())
        docs.append(d)
        oracle.doc_folder[d.pk] = f.pk

    def check():
        for u in users:
            forget_grants(u)
            readable = set(
                Document.objects.live().filter(readable_documents_q(u)).values_list("pk", flat=True)
            )
            for d in Document.objects.live().select_related("folder", "folder__space"):
                expected = oracle.role(u.pk, oracle.doc_folder[d.pk])
                ab = abilities(u, d)
                assert ab["read"] == (expected is not None), (u, d, expected)
                assert ab["upload_version"] == (RANK[expected] >= 2)
                assert ab["restore_version"] == (RANK[expected] >= 2)
                assert ab["trash"] == (RANK[expected] >= 3)
                assert ab["share"] == (RANK[expected] >= 4)
                assert (d.pk in readable) == (expected is not None), (u, d, expected)

    for _step in range(14):
        op = rng.choice(["grant", "grant", "revoke", "restrict", "move", "member"])
        if op == "grant":
            f = rng.choice(folders)
            role = rng.choice(list(Role)[:3])
            if rng.random() < 0.5:
                u = rng.choice(users)
                grant(f, role, user=u)
                oracle.grants[("user", u.pk, f.pk)] = role
            else:
                g = rng.choice(groups)
                grant(f, role, group=g)
                oracle.grants[("group", g.pk, f.pk)] = role
        elif op == "revoke":
            keys = [k for k in oracle.grants if k[1] != manager.pk]
            if keys:
                kind, pid, fid = rng.choice(keys)
                f = next(x for x in folders if x.pk == fid)
                target = next(x for x in (users if kind == "user" else groups) if x.pk == pid)
                grant_revoke(folder=f, actor=manager, **{kind: target})
                del oracle.grants[(kind, pid, fid)]
        elif op == "restrict":
            f = rng.choice(folders[1:])
            f.refresh_from_db()
            value = not f.restricted
            folder_restrict(folder=f, restricted=value, actor=manager)
            oracle.restricted[f.pk] = value
        elif op == "move":
            d = rng.choice(docs)
            d.refresh_from_db()
            target = rng.choice(folders)
            if target.pk != d.folder_id:
                document_move(document=d, target=target, actor=manager)
                oracle.doc_folder[d.pk] = target.pk
        else:
            u, g = rng.choice(users), rng.choice(groups)
            if g.pk in oracle.groups.get(u.pk, set()):
                u.groups.remove(g)
                oracle.groups[u.pk].discard(g.pk)
            else:
                u.groups.add(g)
                oracle.groups.setdefault(u.pk, set()).add(g.pk)
        check()
