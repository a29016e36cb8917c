"""Who may do what in the GED: the one source of truth for views, templates and the API.

Effective role on a folder = the highest role among the grants (to the agent or one of their groups) on the
folder and its ancestors, stopping at the nearest restricted folder; a manager of the space (manager grant on
the root folder) keeps the manager role everywhere; an open space gives every agent the reader role from its
root (stopped by restrictions too). Superusers (IT) manage everything.

Cost per request, whatever the size of the space: one query for the agent's grants (cached on the user
object), one for the folder (with its space), one for its ancestors; listings then decide in Python.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.lookups import StartsWith
from django.http import Http404
from django.utils.translation import gettext as _

from intranet.params import BadParameter, parse_id

from .choices import ROLE_BY_CODENAME, Role, ShareRole, SpacePolicy
from .models import (
    Document,
    DocumentGrant,
    Folder,
    FolderGroupObjectPermission,
    FolderUserObjectPermission,
    Space,
    Version,
)

STEPLEN = Folder.steplen


@dataclass(frozen=True)
class Grant:
    kind: str  # "user" or "group"
    folder_id: int
    path: str
    space_id: int
    role: Role


def user_grants(user) -> list[Grant]:
    """The agent's grants, direct and through groups: one query, cached on the user object for the request."""
    cached = getattr(user, "_ged_grants", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        grants = []
    else:
        cols = (
            "kind",
            "content_object_id",
            "content_object__path",
            "content_object__space_id",
            "permission__codename",
        )
        direct = (
            FolderUserObjectPermission.objects.filter(user_id=user.pk)
            .annotate(kind=Value("user"))
            .values_list(*cols)
        )
        via_groups = (
            FolderGroupObjectPermission.objects.filter(group__user=user.pk)
            .annotate(kind=Value("group"))
            .values_list(*cols)
        )
        grants = [
            Grant(kind, folder_id, path, space_id, ROLE_BY_CODENAME[codename])
            for kind, folder_id, path, space_id, codename in direct.union(via_groups, all=True)
            if codename in ROLE_BY_CODENAME
        ]
    user._ged_grants = grants
    return grants


def forget_grants(user) -> None:
    """Call after changing grants or memberships within a request: revocation applies at once."""
    if hasattr(user, "_ged_grants"):
        del user._ged_grants


def ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(STEPLEN, len(path) + 1, STEPLEN)]


def is_superuser(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def manages_space(user, space_id: int, root_path: str | None = None) -> bool:
    if is_superuser(user):
        return True
    return any(
        g.space_id == space_id and g.role == Role.MANAGER and len(g.path) == STEPLEN
        for g in user_grants(user)
    )


def frozen_cap(role: Role | None, space: Space) -> Role | None:
    """A frozen space (a closed project's) is read-only for everyone, its managers and IT included: any role
    above reader reads there, nothing more. Every ability, the DAV, OnlyOffice and the API derive from the
    role computed here, so this one cap is the read-only rule everywhere."""
    if role is not None and getattr(space, "frozen", False) and Role.rank(role) > Role.rank(Role.READER):
        return Role.READER
    return role


def frozen_message() -> str:
    return _(
        "Cet espace est en lecture seule car son projet est clos : vous pouvez consulter et télécharger ses "
        "documents, mais plus les modifier. Demandez à un responsable du projet de le rouvrir."
    )


def role_in_chain(user, space: Space, chain: list[Folder]) -> Role | None:
    """Effective role on chain[-1], given the folders from the root down to it (restricted flags included),
    capped at reader in a frozen space."""
    return frozen_cap(_role_in_chain(user, space, chain), space)


def _role_in_chain(user, space: Space, chain: list[Folder]) -> Role | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if is_superuser(user) or manages_space(user, space.pk):
        return Role.MANAGER
    start = 0
    for i, folder in enumerate(chain):
        if folder.restricted:
            start = i
    paths = {f.path for f in chain[start:]}
    roles = [g.role for g in user_grants(user) if g.space_id == space.pk and g.path in paths]
    if space.policy == SpacePolicy.OPEN and start == 0:
        roles.append(Role.READER)
    return Role.highest(*roles)


def child_role(user, space: Space, parent_role: Role | None, child: Folder) -> Role | None:
    """Role on a child folder from its parent's role and its own grants: no query."""
    if is_superuser(user) or manages_space(user, space.pk):
        return frozen_cap(Role.MANAGER, space)
    own = [g.role for g in user_grants(user) if g.path == child.path]
    if child.restricted:
        return frozen_cap(Role.highest(*own), space)
    return frozen_cap(Role.highest(parent_role, *own), space)


# --- Documents shared on their own (DocumentGrant) ---------------------------------------------------------


def shares_q(user) -> Q:
    """Document grants naming the agent or one of their groups (a department's group)."""
    return Q(user_id=user.pk) | Q(group__user=user.pk)


def shared_documents_subquery(user):
    """Ids of the documents shared with the agent, as a subquery (no query of its own)."""
    return DocumentGrant.objects.filter(shares_q(user)).values("document_id")


def shared_role_subquery(user):
    """The agent's highest share role on the outer document (None without a grant). The roles are "editor"
    and "reader" only (a check constraint), so the first in alphabetical order is the highest."""
    grants = DocumentGrant.objects.filter(shares_q(user), document=OuterRef("pk"))
    return Subquery(grants.order_by("role").values("role")[:1])


def shared_role(user, document: Document) -> Role | None:
    """The role a document grant gives the agent on `document` alone: READER, CONTRIBUTOR (may send new
    versions) or None. Free when `access_document` fetched the document for this agent, one query otherwise.
    Inactive and anonymous accounts get None, like everywhere."""
    if not user.is_authenticated or not user.is_active:
        return None
    if getattr(document, "ged_shared_for", None) == user.pk:
        value = document.ged_shared_role
    else:
        value = (
            DocumentGrant.objects.filter(shares_q(user), document_id=document.pk)
            .order_by("role")
            .values_list("role", flat=True)
            .first()
        )
    return ShareRole(value).role if value else None


def has_grant_below(user, path: str) -> bool:
    """A grant on a descendant: the agent may walk through this folder to reach it (names only)."""
    return any(g.path.startswith(path) and g.path != path for g in user_grants(user))


def at_least(role, minimum: Role) -> bool:
    return Role.rank(role) >= Role.rank(minimum)


def folder_abilities(role, folder: Folder, *, traversable: bool = False) -> dict[str, bool]:
    root = folder.depth == 1
    return {
        "enter": at_least(role, Role.READER) or traversable,
        "read": at_least(role, Role.READER),
        "download": at_least(role, Role.READER),
        "follow": at_least(role, Role.READER),
        "view_access": at_least(role, Role.READER),
        "upload": at_least(role, Role.CONTRIBUTOR),
        "create_folder": at_least(role, Role.CONTRIBUTOR),
        "rename": at_least(role, Role.EDITOR) and not root,
        "move": at_least(role, Role.EDITOR) and not root,
        "delete": at_least(role, Role.EDITOR) and not root,
        "trash": at_least(role, Role.EDITOR),
        "restore": at_least(role, Role.EDITOR),
        "purge": at_least(role, Role.MANAGER),
        "share": at_least(role, Role.MANAGER),
        "restrict": at_least(role, Role.MANAGER) and not root,
    }


def document_abilities(user, role, document: Document, now=None, *, shared=None) -> dict[str, bool]:
    """`role`: the agent's role on the document's folder; `shared`: what a document grant gives on this
    document alone (reader or contributor). Sharing the document needs editor on its folder; the access
    explanation and everything about the folder need a role on the folder."""
    folder_role = role
    role = Role.highest(role, shared)
    locked = document.lock_active(now)
    mine = locked and document.lock_holder_id == user.pk
    blocked = locked and not mine
    live = document.trashed_at is None
    return {
        "read": at_least(role, Role.READER),
        "download": at_least(role, Role.READER),
        "follow": at_least(role, Role.READER) and live,
        "view_access": at_least(folder_role, Role.READER),
        "upload_version": at_least(role, Role.CONTRIBUTOR) and live and not blocked,
        "restore_version": at_least(role, Role.CONTRIBUTOR) and live and not blocked,
        "lock": at_least(role, Role.CONTRIBUTOR) and live and not locked,
        "unlock": live and locked and (mine or at_least(role, Role.MANAGER)),
        "milestone": at_least(role, Role.EDITOR) and live,
        "rename": at_least(role, Role.EDITOR) and live and not blocked,
        "move": at_least(role, Role.EDITOR) and live and not blocked,
        "trash": at_least(role, Role.EDITOR) and live and not blocked,
        "restore": at_least(role, Role.EDITOR) and not live,
        "purge": at_least(role, Role.MANAGER) and not live,
        "share": at_least(folder_role, Role.MANAGER),
        "share_document": at_least(folder_role, Role.EDITOR) and live,
    }


@dataclass
class FolderAccess:
    folder: Folder
    space: Space
    chain: list[Folder]  # root … folder
    role: Role | None
    traversable: bool
    abilities: dict = field(default_factory=dict)


@dataclass
class DocumentAccess:
    document: Document
    folder_access: FolderAccess
    role: Role | None  # the effective role: the folder's, raised by a document grant
    abilities: dict = field(default_factory=dict)
    shared: Role | None = None  # what a document grant gives on this document alone

    @property
    def via_share(self) -> bool:
        """Read only through a document grant: the folder (its name, listing, access) stays out of sight."""
        return self.shared is not None and not at_least(self.folder_access.role, Role.READER)


def _chain(folder: Folder) -> list[Folder]:
    paths = ancestor_paths(folder.path)[:-1]
    ancestors = (
        list(
            Folder.objects.filter(path__in=paths)
            .only("id", "path", "depth", "name", "restricted", "space_id", "trashed_at")
            .order_by("path")
        )
        if paths
        else []
    )
    return [*ancestors, folder]


def folder_access(user, folder: Folder) -> FolderAccess:
    chain = _chain(folder)
    role = role_in_chain(user, folder.space, chain)
    traversable = role is None and has_grant_below(user, folder.path)
    return FolderAccess(
        folder=folder,
        space=folder.space,
        chain=chain,
        role=role,
        traversable=traversable,
        abilities=folder_abilities(role, folder, traversable=traversable),
    )


def access_folder(user, pk, *, need: str = "enter") -> FolderAccess:
    """The folder and the agent's access to it, or 404 for missing, trashed and forbidden alike."""
    try:
        folder = Folder.objects.select_related("space").get(
            pk=parse_id(pk), trashed_at__isnull=True, space__archived_at__isnull=True
        )
    except (Folder.DoesNotExist, BadParameter):
        raise Http404 from None
    access = folder_access(user, folder)
    if not access.abilities.get(need):
        raise Http404
    return access


def access_space(user, slug: str) -> FolderAccess:
    try:
        space = Space.objects.live().select_related("root").get(slug=str(slug)[:80])
    except Space.DoesNotExist:
        raise Http404 from None
    root = space.root
    root.space = space
    access = FolderAccess(
        folder=root, space=space, chain=[root], role=role_in_chain(user, space, [root]), traversable=False
    )
    access.traversable = access.role is None and has_grant_below(user, root.path)
    access.abilities = folder_abilities(access.role, root, traversable=access.traversable)
    if not access.abilities["enter"]:
        raise Http404
    return access


def document_access(user, document: Document, fa: FolderAccess | None = None) -> DocumentAccess:
    fa = fa or folder_access(user, document.folder)
    # A document grant reads in a frozen space; it writes no more than a folder grant.
    shared = frozen_cap(shared_role(user, document), fa.space)
    return DocumentAccess(
        document=document,
        folder_access=fa,
        role=Role.highest(fa.role, shared),
        abilities=document_abilities(user, fa.role, document, shared=shared),
        shared=shared,
    )


def access_document(user, pk, *, need: str = "read", trashed: bool = False) -> DocumentAccess:
    """A document (live, or trashed when `trashed`) the agent may `need`, or 404."""
    qs = Document.objects.select_related("folder", "folder__space", "current_version", "lock_holder")
    if user.is_authenticated and user.is_active:
        # The agent's document grant comes with the row: no query of its own.
        qs = qs.annotate(ged_shared_role=shared_role_subquery(user))
    try:
        document = qs.filter(
            trashed_at__isnull=not trashed, placeholder=False, space__archived_at__isnull=True
        ).get(pk=parse_id(pk))
    except (Document.DoesNotExist, BadParameter):
        raise Http404 from None
    if user.is_authenticated and user.is_active:
        document.ged_shared_for = user.pk
    document.folder.space = document.folder.space  # same object for chain and space
    access = document_access(user, document)
    if not access.abilities.get(need):
        raise Http404
    return access


def access_version(user, pk, *, need: str = "download") -> tuple[Version, DocumentAccess]:
    try:
        version = (
            Version.objects.select_related("document")
            .only(
                "id",
                "document_id",
                "blob_id",
                "number",
                "size",
                "mime_type",
                "original_name",
                "created_at",
                "document__trashed_at",
            )
            .get(pk=parse_id(pk))
        )
    except (Version.DoesNotExist, BadParameter):
        raise Http404 from None
    access = access_document(user, version.document_id, need=need)
    return version, access


def abilities(user, obj) -> dict[str, bool]:
    """The abilities of `user` on a Space, Folder or Document "
    "(a few queries; views reuse access_* results)."""
    if isinstance(obj, Document):
        return document_access(user, obj).abilities
    if isinstance(obj, Folder):
        return folder_access(user, obj).abilities
    if isinstance(obj, Space):
        root = obj.root
        root.space = obj
        role = role_in_chain(user, obj, [root])
        return folder_abilities(role, root, traversable=role is None and has_grant_below(user, root.path))
    raise TypeError(f"no abilities for {type(obj).__name__}")


def readable_documents_q(user, prefix: str = "") -> Q:
    """A filter on documents (or on anything through `prefix`, e.g. "document__") keeping those the agent
    may read: path prefixes of readable folders, minus restricted subtrees, plus the documents shared with
    them or their groups (a subquery), never in an archived space. Anonymous and deactivated accounts read
    nothing, as `abilities` says. Costs the grants query (cached) and one query for the restricted folders."""
    return readable_documents_parts(user, prefix)[0]


def readable_documents_parts(user, prefix: str = "", *, restricted_in_query: bool = False) -> tuple[Q, Q]:
    """(`readable_documents_q`, its part through folders): a document matching the first but not the second
    is read through a share alone, and its folder must not show. Same cost as `readable_documents_q`.
    `restricted_in_query`: the same rule with the restricted folders looked up inside the filter (NOT EXISTS
    subqueries) instead of a query of their own: one query less for a caller that runs one query anyway
    (the search); listings keep the fetched paths, which their plans use as plain prefixes."""
    live_space = Q(**{f"{prefix}space__archived_at__isnull": True})
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[]), Q(pk__in=[])
    if is_superuser(user):
        return live_space, live_space
    grants = user_grants(user)
    managed = {g.space_id for g in grants if g.role == Role.MANAGER and len(g.path) == STEPLEN}
    paths = sorted({g.path for g in grants if g.space_id not in managed})
    if restricted_in_query:
        branches = _readable_branches_in_query(prefix, managed, paths)
    else:
        branches = _readable_branches(prefix, managed, paths)
    through_folders = Q()
    for i, branch in enumerate(branches):
        through_folders = branch if i == 0 else through_folders | branch
    shared = Q(**{f"{prefix}pk__in": shared_documents_subquery(user)})
    return live_space & (through_folders | shared), live_space & through_folders


def _readable_branches(prefix: str, managed: set[int], paths: list[str]) -> list[Q]:
    """The folder branches of the rule, the restricted folders fetched first (one query)."""
    # Deleted restricted folders too: what they still hold (in the trash) stays behind their restriction.
    restricted = list(Folder.objects.filter(restricted=True).values_list("path", "space__policy"))
    branches = []
    if managed:
        branches.append(Q(**{f"{prefix}space_id__in": sorted(managed)}))
    for path in paths:
        q = Q(**{f"{prefix}folder__path__startswith": path})
        for r_path, _policy in restricted:
            if r_path.startswith(path) and r_path != path:
                q &= ~Q(**{f"{prefix}folder__path__startswith": r_path})
        branches.append(q)
    q_open = Q(**{f"{prefix}space__policy": SpacePolicy.OPEN})
    for r_path, policy in restricted:
        if policy == SpacePolicy.OPEN:
            q_open &= ~Q(**{f"{prefix}folder__path__startswith": r_path})
    branches.append(q_open)
    return branches


def _readable_branches_in_query(prefix: str, managed: set[int], paths: list[str]) -> list[Q]:
    """The same branches as `_readable_branches`, each restricted folder test a NOT EXISTS over the restricted
    folders (deleted ones too) holding the document's folder: below a granted folder (not the folder
    itself) for a grant, in an open space for the open space's reading."""

    def behind(within: Q) -> Exists:
        restricted = Folder.objects.filter(within, StartsWith(OuterRef(f"{prefix}folder__path"), F("path")))
        return ~Exists(restricted.filter(restricted=True))

    branches = []
    if managed:
        branches.append(Q(**{f"{prefix}space_id__in": sorted(managed)}))
    for path in paths:
        branches.append(
            Q(**{f"{prefix}folder__path__startswith": path})
            & behind(Q(path__startswith=path) & ~Q(path=path))
        )
    branches.append(
        Q(**{f"{prefix}space__policy": SpacePolicy.OPEN}) & behind(Q(space__policy=SpacePolicy.OPEN))
    )
    return branches


@dataclass(frozen=True)
class ReadableSql:
    """`readable_documents_parts` as SQL text, for a written-out statement (PostgreSQL) whose FROM reads
    `ged_document d JOIN ged_folder f ON f.id = d.folder_id JOIN ged_space s ON s.id = d.space_id`:
    `joins` goes right after that FROM, `readable` and `through_folders` are the two parts (boolean
    expressions), `params` their named parameters (prefixed `ged_`)."""

    joins: str
    readable: str
    through_folders: str
    params: dict


def readable_documents_sql(user) -> ReadableSql | None:
    """The rule of `readable_documents_parts`, for the same agent's cached grants, written as SQL; None for
    an agent who reads nothing (anonymous, deactivated). Per document, the nearest restricted folder on its
    folder's chain (deleted ones too) is looked up once, by the ancestors' paths (unique index): a grant
    applies when it is on or below it, an open space's reading when there is none; a manager reads their
    spaces whole; shares are an EXISTS over the document's grants. No query of its own beyond the grants.
    Tested to keep what the ORM gate keeps (tests/ged/test_search_gate_sql.py)."""
    if not user.is_authenticated or not user.is_active:
        return None
    live_space = "s.archived_at IS NULL"
    if is_superuser(user):
        return ReadableSql(joins="", readable=live_space, through_folders=live_space, params={})
    grants = user_grants(user)
    managed = {g.space_id for g in grants if g.role == Role.MANAGER and len(g.path) == STEPLEN}
    paths = sorted({g.path for g in grants if g.space_id not in managed})
    tables = _gate_tables()
    through = (
        f"{live_space} AND (d.space_id = ANY(%(ged_managed)s::bigint[])"  # noqa: S608
        " OR EXISTS (SELECT 1 FROM unnest(%(ged_paths)s::text[]) AS ged_g(path)"
        " WHERE starts_with(f.path, ged_g.path) AND length(ged_g.path) >= coalesce(ged_nr.len, 0))"
        " OR (s.policy = %(ged_open)s AND ged_nr.len IS NULL))"
    )
    shared = (
        f"EXISTS (SELECT 1 FROM {tables['grant']} ged_sh WHERE ged_sh.document_id = d.id"  # noqa: S608
        f" AND (ged_sh.user_id = %(ged_user)s OR ged_sh.group_id IN (SELECT ged_ug.{tables['ug_group']}"
        f" FROM {tables['user_groups']} ged_ug WHERE ged_ug.{tables['ug_user']} = %(ged_user)s)))"
    )
    joins = (
        "CROSS JOIN LATERAL (SELECT max(length(ged_r.path)) AS len FROM ged_folder ged_r"
        " WHERE ged_r.restricted AND ged_r.path IN (SELECT left(f.path, ged_k * %(ged_steplen)s)"
        " FROM generate_series(1, length(f.path) / %(ged_steplen)s) AS ged_k)) AS ged_nr"
    )
    return ReadableSql(
        joins=joins,
        readable=f"{live_space} AND ({through} OR {shared})",
        through_folders=through,
        params={
            "ged_managed": sorted(managed),
            "ged_paths": paths,
            "ged_open": SpacePolicy.OPEN.value,
            "ged_user": user.pk,
            "ged_steplen": STEPLEN,
        },
    )


def _gate_tables() -> dict[str, str]:
    """Quoted names of the document grants' table and of the agents' groups (many-to-many) table."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    quote = connection.ops.quote_name
    user_groups = get_user_model().groups.field
    ug = user_groups.remote_field.through._meta
    return {
        "grant": quote(DocumentGrant._meta.db_table),
        "user_groups": quote(ug.db_table),
        "ug_user": quote(ug.get_field(user_groups.m2m_field_name()).column),
        "ug_group": quote(ug.get_field(user_groups.m2m_reverse_field_name()).column),
    }


def visible_spaces_q(user) -> Q:
    """Spaces an agent sees in lists: open and private ones, and secret ones they hold a grant in."""
    if is_superuser(user):
        return Q()
    member = {g.space_id for g in user_grants(user)}
    return ~Q(policy=SpacePolicy.SECRET) | Q(pk__in=sorted(member))


# --- The same rule for whoever is not the requester: notifications, trash ------------------------------


def prime_grants(users) -> None:
    """Load the grants of many agents in two queries (direct, through groups) and cache them on each user
    object, so deciding for a list of recipients costs no query per recipient."""
    pending = [u for u in users if getattr(u, "_ged_grants", None) is None]
    if not pending:
        return
    by_id = {u.pk: u for u in pending}
    for u in pending:
        u._ged_grants = []
    cols = ("content_object_id", "content_object__path", "content_object__space_id", "permission__codename")
    direct = FolderUserObjectPermission.objects.filter(user_id__in=list(by_id)).values_list("user_id", *cols)
    via_groups = FolderGroupObjectPermission.objects.filter(group__user__in=list(by_id)).values_list(
        "group__user", *cols
    )
    for kind, rows in (("user", direct), ("group", via_groups)):
        for uid, folder_id, path, space_id, codename in rows:
            user = by_id.get(uid)
            if user is not None and user.is_active and codename in ROLE_BY_CODENAME:
                user._ged_grants.append(Grant(kind, folder_id, path, space_id, ROLE_BY_CODENAME[codename]))


def users_who_may(recipients, *, document: Document | None = None, folder: Folder | None = None, need="read"):
    """The ids among `recipients` (users or ids) who may `need` the document (or folder) right now: the
    same functions as its own page, evaluated at send time (document grants included). Inactive accounts, an
    archived space and a trashed document or folder (for reading) leave nobody. Five queries for a document,
    four for a folder, whatever the number of recipients."""
    from django.contrib.auth import get_user_model

    ids = {int(getattr(r, "pk", r)) for r in recipients if getattr(r, "pk", r) is not None}
    target = document.folder if document is not None else folder
    if not ids or target is None:
        return []
    space = Space.objects.filter(pk=target.space_id).first()
    if space is None or space.archived_at is not None:
        return []
    trashed = (document.trashed_at if document is not None else None) or target.trashed_at
    if trashed and need in {"read", "download", "follow", "enter"}:
        return []
    chain = _chain(target)
    users = list(get_user_model().objects.filter(pk__in=sorted(ids), is_active=True))
    prime_grants(users)
    shared: dict[int, Role] = {}
    if document is not None:
        mine = DocumentGrant.objects.filter(document_id=document.pk)
        rows = (
            mine.filter(user_id__in=sorted(ids))
            .values_list("user_id", "role")
            .union(mine.filter(group__user__in=sorted(ids)).values_list("group__user", "role"), all=True)
        )
        for uid, value in rows:
            shared[uid] = frozen_cap(Role.highest(shared.get(uid), ShareRole(value).role), space)
    out = []
    for user in users:
        role = role_in_chain(user, space, chain)
        if document is not None:
            allowed = document_abilities(user, role, document, shared=shared.get(user.pk)).get(need)
        else:
            allowed = folder_abilities(role, target).get(need)
        if allowed:
            out.append(user.pk)
    return sorted(out)


def folder_roles(user, space: Space, folders: list[Folder]) -> dict[int, Role | None]:
    """The agent's role on each of `folders` (a space's folders, deleted ones included, with their paths and
    restricted flags): decided in Python from the cached grants, no query."""
    by_path = {f.path: f for f in folders}
    out = {}
    for f in folders:
        chain = [by_path[p] for p in ancestor_paths(f.path) if p in by_path]
        out[f.pk] = role_in_chain(user, space, chain)
    return out


def trash_folder_ids(user, space: Space, *, under: Folder | None = None) -> list[int] | None:
    """Ids of the folders (live or deleted) whose trashed documents the agent may see and restore (editor or
    more there, restrictions of deleted folders still applying), or None for all of them (a manager of the
    space). One query for the space's folders. Nothing in a frozen space: restoring is a write."""
    if space.frozen:
        return []
    if is_superuser(user) or manages_space(user, space.pk):
        return None
    qs = Folder.objects.filter(space_id=space.pk).only("id", "path", "depth", "restricted", "space_id")
    folders = list(qs)
    roles = folder_roles(user, space, folders)
    prefix = under.path if under is not None else ""
    return sorted(
        f.pk for f in folders if f.path.startswith(prefix) and at_least(roles.get(f.pk), Role.EDITOR)
    )


def may_open_trash(user, access: FolderAccess) -> bool:
    """The trash of a space opens to an editor of its root, or of any folder of it (a restricted one); never
    in a frozen space (everything there is a write)."""
    if access.space.frozen:
        return False
    if access.abilities.get("trash"):
        return True
    return any(g.space_id == access.space.pk and at_least(g.role, Role.EDITOR) for g in user_grants(user))
