"""The pure-Python oracle of the GED state machine (state_machine.py): docs/ged.md's rule over plain dicts,
no database, no Django."""

from dataclasses import dataclass, field

from ged.choices import Role, SpacePolicy

RANK = {None: 0, Role.READER: 1, Role.CONTRIBUTOR: 2, Role.EDITOR: 3, Role.MANAGER: 4}


def highest(roles):
    return max(roles, key=lambda r: RANK[r], default=None)


@dataclass
class Oracle:
    """The rule of docs/ged.md over plain dicts: no database, no Django."""

    policy: dict = field(default_factory=dict)  # root folder id -> policy
    parent: dict = field(default_factory=dict)  # folder id -> parent id (None for roots)
    restricted: dict = field(default_factory=dict)
    folder_trashed: dict = field(default_factory=dict)
    doc_folder: dict = field(default_factory=dict)
    doc_trashed: dict = field(default_factory=dict)
    grants: dict = field(default_factory=dict)  # (kind, principal, folder) -> role
    shares: dict = field(default_factory=dict)  # (kind, principal, document) -> Role.READER | CONTRIBUTOR
    members: set = field(default_factory=set)  # user ids in the group
    group: int = 0
    active: dict = field(default_factory=dict)
    follows: set = field(default_factory=set)  # (user, "document"|"folder", id)
    notes: dict = field(default_factory=dict)  # (user, verb) -> count

    def chain(self, folder):
        out = []
        while folder is not None:
            out.append(folder)
            folder = self.parent[folder]
        return out[::-1]

    def root(self, folder):
        return self.chain(folder)[0]

    def principals(self, user):
        out = {("user", user)}
        if user in self.members:
            out.add(("group", self.group))
        return out

    def manages(self, user, root):
        return self.active[user] and any(
            self.grants.get((k, p, root)) == Role.MANAGER for k, p in self.principals(user)
        )

    def role(self, user, folder):
        if not self.active[user]:
            return None
        chain = self.chain(folder)
        if self.manages(user, chain[0]):
            return Role.MANAGER
        start = max([i for i, f in enumerate(chain) if self.restricted[f]] or [0])
        roles = [self.grants.get((k, p, f)) for f in chain[start:] for k, p in self.principals(user)]
        if self.policy[chain[0]] == SpacePolicy.OPEN and start == 0:
            roles.append(Role.READER)
        return highest(roles)

    def has_grant_below(self, user, folder):
        if not self.active[user]:
            return False
        mine = self.principals(user)
        return any((k, p) in mine and f != folder and folder in self.chain(f) for (k, p, f) in self.grants)

    def enterable(self, user, folder):
        if self.folder_trashed[folder]:
            return False
        return self.role(user, folder) is not None or self.has_grant_below(user, folder)

    def shared(self, user, doc):
        """A document grant's role (reader or contributor: « peut modifier »), nothing for an inactive
        account; it follows the document wherever it goes."""
        if not self.active[user]:
            return None
        return highest([self.shares.get((k, p, doc)) for k, p in self.principals(user)])

    def doc_rank(self, user, doc):
        return max(RANK[self.role(user, self.doc_folder[doc])], RANK[self.shared(user, doc)])

    def reads(self, user, doc):
        return not self.doc_trashed[doc] and self.doc_rank(user, doc) >= 1

    def readable(self, user):
        return {d for d in self.doc_folder if self.reads(user, d)}

    def children(self, user, folder):
        return {
            f
            for f, p in self.parent.items()
            if p == folder
            and not self.folder_trashed[f]
            and (self.role(user, f) is not None or self.has_grant_below(user, f))
        }

    def folder_docs(self, folder):
        return {d for d, f in self.doc_folder.items() if f == folder and not self.doc_trashed[d]}

    def trash_opens(self, user, root):
        if RANK[self.role(user, root)] >= 3:
            return True
        mine = self.principals(user) if self.active[user] else set()
        return any(
            (k, p) in mine and RANK[r] >= 3 and self.root(f) == root for (k, p, f), r in self.grants.items()
        )

    def trash(self, user, root):
        return {
            d
            for d, f in self.doc_folder.items()
            if self.doc_trashed[d] and self.root(f) == root and RANK[self.role(user, f)] >= 3
        }

    def restore_destination(self, doc):
        """(folder, refused): the nearest surviving ancestor; refused if a deleted folder on the way was
        restricted."""
        chain = self.chain(self.doc_folder[doc])
        alive = [f for f in chain if not self.folder_trashed[f]]
        cut = next((i for i, f in enumerate(chain) if self.folder_trashed[f]), len(chain))
        gone = chain[cut:]
        return chain[cut - 1] if cut else alive[0], any(self.restricted[f] for f in gone)

    def may_delete(self, folder):
        if self.parent[folder] is None or self.folder_trashed[folder]:
            return False
        subtree = [f for f in self.parent if folder in self.chain(f)]
        if any(not self.folder_trashed[f] for f in subtree if f != folder):
            return False
        docs = [d for d, f in self.doc_folder.items() if f in subtree]
        if any(not self.doc_trashed[d] for d in docs):
            return False
        return not (self.restricted[folder] and docs)

    def note(self, users, verb):
        for u in users:
            self.notes[(u, verb)] = self.notes.get((u, verb), 0) + 1
