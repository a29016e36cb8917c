"""Reads that join several models or filter by permission. Each states its query count."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intranet.audit.models import AccessEvent

from .choices import ROLE_BY_CODENAME, Role, SortKey, SpacePolicy
from .models import Document, Folder, FolderGroupObjectPermission, FolderUserObjectPermission, Space, Version
from .permissions import (
    FolderAccess,
    child_role,
    folder_roles,
    has_grant_below,
    is_superuser,
    manages_space,
    readable_documents_q,
    trash_folder_ids,
    user_grants,
    visible_spaces_q,
)

User = get_user_model()

SORTS = {
    SortKey.TITLE: ("title", "pk"),
    SortKey.UPDATED: ("-updated_at", "pk"),
    SortKey.SIZE: ("-current_version__size", "pk"),
}
LISTING_FIELDS = (
    "id",
    "title",
    "updated_at",
    "lock_holder_id",
    "lock_expires_at",
    "folder_id",
    "current_version__id",
    "current_version__number",
    "current_version__size",
    "current_version__mime_type",
    "current_version__author__first_name",
    "current_version__author__last_name",
    "lock_holder__first_name",
    "lock_holder__last_name",
)


@dataclass
class ChildFolder:
    folder: Folder
    role: Role | None
    partial: bool  # reachable only to get to a deeper shared folder


@dataclass
class Listing:
    access: FolderAccess
    children: list[ChildFolder]
    page: object  # a Paginator page of document dicts, or None
    sort: str
    extra: dict = field(default_factory=dict)


def folder_children(user, access: FolderAccess) -> list[ChildFolder]:
    """One query; each child's role decided in Python from the agent's grants."""
    folder = access.folder
    rows = (
        Folder.objects.filter(path__startswith=folder.path, depth=folder.depth + 1, trashed_at__isnull=True)
        .only("id", "path", "depth", "name", "restricted", "space_id", "numchild")
        .order_by("name", "pk")
    )
    out = []
    for child in rows:
        role = child_role(user, access.space, access.role, child)
        if role is not None:
            out.append(ChildFolder(child, role, False))
        elif has_grant_below(user, child.path):
            out.append(ChildFolder(child, None, True))
    return out


def folder_listing(
    user, access: FolderAccess, *, sort: str = SortKey.TITLE, page: int | str | None = 1
) -> Listing:
    """Children (1 query) + a page of documents (1 query) + their count (1 query, no ORDER BY), after the
    role check done by access_folder. Constant, whatever the folder size."""
    children = folder_children(user, access)
    result = None
    if access.abilities["read"]:
        sort = sort if sort in SORTS else SortKey.TITLE
        live = Document.objects.filter(folder_id=access.folder.pk, trashed_at__isnull=True)
        paginator = Paginator(live.order_by(*SORTS[sort]).values(*LISTING_FIELDS), settings.GED_PAGE_SIZE)
        # The count on the bare filter: no joins, no ORDER BY (the page query carries the joins).
        paginator.__dict__["count"] = live.count()
        result = paginator.get_page(page)
        now = timezone.now()
        result.object_list = list(result.object_list)
        for row in result.object_list:
            row["locked"] = bool(
                row["lock_holder_id"] and row["lock_expires_at"] and row["lock_expires_at"] > now
            )
    return Listing(access=access, children=children, page=result, sort=sort)


def my_spaces(user) -> dict:
    """Spaces the agent sees: grants (cached query) + one query. Private spaces without a grant are listed but
    not enterable."""
    member = {g.space_id for g in user_grants(user)}
    spaces = list(
        Space.objects.live().filter(visible_spaces_q(user)).select_related("department").order_by("name")
    )
    mine, open_, others = [], [], []
    for space in spaces:
        if is_superuser(user) or space.pk in member:
            mine.append(space)
        elif space.policy == SpacePolicy.OPEN:
            open_.append(space)
        else:
            others.append(space)
    return {"mine": mine, "open": open_, "others": others}


def recent_documents(user, *, limit: int = 8, space: Space | None = None) -> list[dict]:
    """Latest changed documents the agent may read: grants (cached) + restricted folders + one query."""
    q = readable_documents_q(user)
    qs = Document.objects.live().filter(q)
    if space is not None:
        qs = qs.filter(space=space)
    return list(
        qs.order_by("-updated_at", "-pk").values("id", "title", "updated_at", "space__name", "folder__name")[
            :limit
        ]
    )


def search_documents(
    user, query: str, *, limit: int = 20, space: Space | None = None
) -> tuple[list[dict], int]:
    """Full text over title, description, tags and extracted text, restricted to readable documents.
    PostgreSQL: French text search; SQLite: case-insensitive containment."""
    query = " ".join(query.split())[:200]
    if not query:
        return [], 0
    qs = Document.objects.live().filter(readable_documents_q(user))
    if space is not None:
        qs = qs.filter(space=space)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="french")
            + SearchVector("tags", weight="B", config="french")
            + SearchVector("description", weight="B", config="french")
            + SearchVector("text_content", weight="C", config="french")
        )
        search = SearchQuery(query, config="french", search_type="websearch")
        qs = qs.annotate(rank=SearchRank(vector, search)).filter(rank__gt=0).order_by("-rank", "-updated_at")
        qs = qs.annotate(document=vector).filter(document=search)
    else:
        terms = query.split()
        for term in terms:
            qs = qs.filter(
                Q(title__icontains=term)
                | Q(description__icontains=term)
                | Q(tags__icontains=term)
                | Q(text_content__icontains=term)
            )
        qs = qs.order_by("-updated_at")
    total = qs.count()
    rows = list(
        qs.annotate(excerpt=Substr("text_content", 1, 400)).values(
            "id", "title", "description", "excerpt", "space__name", "folder__name"
        )[:limit]
    )
    for row in rows:
        row["snippet"] = _snippet(row["description"] + " " + (row["excerpt"] or ""), query)
    return rows, total


def _snippet(text: str, query: str, width: int = 180) -> str:
    text = " ".join(text.split())
    lower = text.lower()
    pos = min((lower.find(t.lower()) for t in query.split() if lower.find(t.lower()) >= 0), default=0)
    start = max(0, pos - 40)
    return ("…" if start else "") + text[start : start + width] + ("…" if len(text) > start + width else "")


def breadcrumbs(access: FolderAccess) -> list[Folder]:
    return access.chain


def document_versions(document: Document) -> list[Version]:
    """One query, authors joined."""
    return list(
        Version.objects.filter(document=document)
        .select_related("author")
        .only(
            "id",
            "number",
            "size",
            "mime_type",
            "original_name",
            "comment",
            "conflict",
            "milestone",
            "restored_from",
            "created_at",
            "author__first_name",
            "author__last_name",
            "author__username",
            "document_id",
            "blob_id",
        )
        .order_by("-number")
    )


def trash_listing(user, space: Space, *, folder: Folder | None = None, page=1):
    """Trashed documents of a space (or of one folder's subtree) the agent may restore: editor or more on
    their folder, restrictions included, whatever the viewer's role on the root. The space's folders
    (1 query), then a page (1 query) and its count (1 query). Each row says if the viewer may purge it."""
    qs = Document.objects.trashed().filter(space=space)
    allowed = trash_folder_ids(user, space, under=folder)
    if allowed is not None:
        qs = qs.filter(folder_id__in=allowed)
    elif folder is not None:
        qs = qs.filter(folder__path__startswith=folder.path)
    qs = qs.order_by("-trashed_at", "pk").values(
        "id",
        "title",
        "trashed_at",
        "folder_id",
        "folder__name",
        "folder__trashed_at",
        "trashed_by__first_name",
        "trashed_by__last_name",
        "current_version__size",
    )
    result = Paginator(qs, settings.GED_PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    manager = is_superuser(user) or manages_space(user, space.pk)
    roles = {}
    if not manager and result.object_list:
        roles = folder_roles(
            user, space, list(Folder.objects.filter(space_id=space.pk).only("id", "path", "restricted"))
        )
    for row in result.object_list:
        row["purge"] = manager or Role.rank(roles.get(row["folder_id"])) >= Role.rank(Role.MANAGER)
    return result


def activity(
    *,
    space: Space | None = None,
    document: Document | None = None,
    folder: Folder | None = None,
    limit: int = 50,
) -> list[dict]:
    """History rows (renames, moves, trash, locks) and access events, newest first. Two queries."""
    events = []
    if document is not None:
        hist = Document.history.filter(id=document.pk)
        audit = AccessEvent.objects.filter(object_type="ged.document", object_id=str(document.pk))
    elif folder is not None:
        hist = Folder.history.filter(id=folder.pk)
        audit = AccessEvent.objects.filter(object_type="ged.folder", object_id=str(folder.pk))
    else:
        hist = Document.history.filter(space_id=space.pk)
        audit = AccessEvent.objects.filter(action__startswith="ged.", extra__space=space.pk)
    for row in hist.select_related("history_user").order_by("-history_date")[:limit]:
        events.append(
            {
                "when": row.history_date,
                "who": row.history_user.get_full_name() if row.history_user else "",
                "what": _HISTORY_LABELS.get(row.history_change_reason or "", row.get_history_type_display()),
                "title": getattr(row, "title", getattr(row, "name", "")),
            }
        )
    for ev in audit.order_by("-created_at")[:limit]:
        events.append(
            {
                "when": ev.created_at,
                "who": ev.actor_label,
                "what": _AUDIT_LABELS.get(ev.action, ev.action),
                "title": ev.extra.get("title", ""),
            }
        )
    events.sort(key=lambda e: e["when"], reverse=True)
    return events[:limit]


class _Labels(dict):
    def get(self, key, default=None):
        value = super().get(key)
        return str(value) if value is not None else default


_HISTORY_LABELS = _Labels(
    {
        "create": gettext_lazy("création"),
        "update": gettext_lazy("modification des informations"),
        "rename": gettext_lazy("renommage"),
        "move": gettext_lazy("déplacement"),
        "trash": gettext_lazy("mise à la corbeille"),
        "restore": gettext_lazy("restauration depuis la corbeille"),
        "lock": gettext_lazy("réservation"),
        "unlock": gettext_lazy("fin de réservation"),
        "restrict": gettext_lazy("accès restreint"),
        "unrestrict": gettext_lazy("fin de la restriction"),
        "delete": gettext_lazy("suppression"),
    }
)
_AUDIT_LABELS = _Labels(
    {
        "ged.download": gettext_lazy("téléchargement"),
        "ged.upload": gettext_lazy("dépôt"),
        "ged.version.create": gettext_lazy("nouvelle version"),
        "ged.version.restore": gettext_lazy("restauration d'une version"),
        "ged.version.milestone": gettext_lazy("jalon nommé"),
        "ged.grant": gettext_lazy("accès donné"),
        "ged.revoke": gettext_lazy("accès retiré"),
        "ged.folder.restrict": gettext_lazy("restriction modifiée"),
        "ged.document.trash": gettext_lazy("mise à la corbeille"),
        "ged.document.restore": gettext_lazy("restauration depuis la corbeille"),
        "ged.document.purge": gettext_lazy("suppression définitive"),
        "ged.document.move": gettext_lazy("déplacement"),
        "ged.folder.move": gettext_lazy("déplacement du dossier"),
        "ged.folder.delete": gettext_lazy("suppression du dossier"),
        "ged.space.create": gettext_lazy("création de l'espace"),
    }
)


# --- "Qui a accès, et pourquoi ?" -----------------------------------------------------------------------


@dataclass
class GrantLine:
    kind: str  # "user", "group", "everyone"
    principal: object  # a User, a Group or None for everyone
    role: Role
    folder: Folder | None
    applies: bool
    direct: bool
    stopped_by: Folder | None = None
    keeps_access: bool = False  # a space manager, above a restriction
    grant_pk: int | None = None


@dataclass
class PersonAccess:
    user: object
    role: Role
    reasons: list[str]


@dataclass
class AccessExplanation:
    folder: Folder
    lines: list[GrantLine]
    people: list[PersonAccess]
    everyone: bool
    restriction: Folder | None
    agents_total: int


def _chain_grants(chain: list[Folder]) -> list[GrantLine]:
    ids = [f.pk for f in chain]
    by_id = {f.pk: f for f in chain}
    lines = []
    for g in FolderUserObjectPermission.objects.filter(content_object_id__in=ids).select_related(
        "user", "permission"
    ):
        if g.user.is_active and g.permission.codename in ROLE_BY_CODENAME:
            lines.append(
                GrantLine(
                    "user",
                    g.user,
                    ROLE_BY_CODENAME[g.permission.codename],
                    by_id[g.content_object_id],
                    False,
                    False,
                    grant_pk=g.pk,
                )
            )
    for g in FolderGroupObjectPermission.objects.filter(content_object_id__in=ids).select_related(
        "group", "group__department", "permission"
    ):
        if g.permission.codename in ROLE_BY_CODENAME:
            lines.append(
                GrantLine(
                    "group",
                    g.group,
                    ROLE_BY_CODENAME[g.permission.codename],
                    by_id[g.content_object_id],
                    False,
                    False,
                    grant_pk=g.pk,
                )
            )
    return lines


def _resolve(
    chain: list[Folder], space: Space, lines: list[GrantLine]
) -> tuple[list[GrantLine], Folder | None, bool]:
    start = 0
    for i, f in enumerate(chain):
        if f.restricted:
            start = i
    restriction = chain[start] if chain[start].restricted else None
    applying_paths = {f.path for f in chain[start:]}
    target = chain[-1]
    root_path = chain[0].path
    for line in lines:
        line.direct = line.folder.pk == target.pk
        if line.folder.path in applying_paths:
            line.applies = True
        elif line.role == Role.MANAGER and line.folder.path == root_path:
            line.applies = True
            line.keeps_access = True
        else:
            line.applies = False
            line.stopped_by = restriction
    everyone = space.policy == SpacePolicy.OPEN and start == 0
    return lines, restriction, everyone


def _group_name(group: Group) -> str:
    department = getattr(group, "department", None)
    return department.name if department is not None else group.name


def explain_access(
    folder: Folder, chain: list[Folder], space: Space, *, lines: list[GrantLine] | None = None
) -> AccessExplanation:
    """Every grant on the folder and its ancestors, whether it applies here and why; every person who can
    read, with their role and reasons. Grants (2 queries), group members (1), agents total (1)."""
    lines = lines if lines is not None else _chain_grants(chain)
    lines, restriction, everyone = _resolve(chain, space, lines)
    people: dict[int, PersonAccess] = {}

    def add(user, role, reason):
        entry = people.get(user.pk)
        if entry is None:
            people[user.pk] = PersonAccess(user, role, [reason])
        else:
            entry.role = Role.highest(entry.role, role)
            entry.reasons.append(reason)

    group_ids = {line.principal.pk for line in lines if line.applies and line.kind == "group"}
    members: dict[int, list] = {}
    if group_ids:
        for user in (
            User.objects.filter(groups__in=group_ids, is_active=True)
            .annotate(gid=F("groups"))
            .only("id", "first_name", "last_name", "username")
        ):
            members.setdefault(user.gid, []).append(user)
    for line in lines:
        if not line.applies:
            continue
        where = (
            _("sur ce dossier")
            if line.direct
            else _("hérité de « %(folder)s »") % {"folder": line.folder.name}
        )
        role_label = Role(line.role).label
        if line.kind == "user":
            add(
                line.principal,
                line.role,
                _("%(role)s, donné directement %(where)s") % {"role": role_label, "where": where},
            )
        else:
            for user in members.get(line.principal.pk, []):
                add(
                    user,
                    line.role,
                    _("%(role)s, par le service « %(group)s » %(where)s")
                    % {"role": role_label, "group": _group_name(line.principal), "where": where},
                )
    total = User.objects.filter(is_active=True).count()
    ordered = sorted(
        people.values(), key=lambda p: (-Role.rank(p.role), p.user.last_name, p.user.first_name, p.user.pk)
    )
    return AccessExplanation(
        folder=chain[-1],
        lines=lines,
        people=ordered,
        everyone=everyone,
        restriction=restriction,
        agents_total=total,
    )


@dataclass
class AccessPreview:
    gained: int
    lost: int
    gained_names: list[str]
    lost_names: list[str]


def _readers(explanation: AccessExplanation, all_ids: set[int]) -> set[int]:
    if explanation.everyone:
        return set(all_ids)
    return {p.user.pk for p in explanation.people}


def preview_change(
    folder: Folder, chain: list[Folder], space: Space, *, change: str, role=None, user=None, group=None
) -> AccessPreview:
    """How many agents gain or lose read access if the change is saved; nothing is written."""
    before_lines = _chain_grants(chain)
    before = explain_access(folder, chain, space, lines=[_copy(line) for line in before_lines])
    after_lines = [_copy(line) for line in before_lines]
    after_chain = chain
    if change == "grant":
        after_lines = [
            ln
            for ln in after_lines
            if not (
                ln.folder.pk == folder.pk
                and ln.principal == (user or group)
                and ln.kind == ("user" if user else "group")
            )
        ]
        after_lines.append(
            GrantLine("user" if user else "group", user or group, Role(role), folder, False, True)
        )
    elif change == "revoke":
        after_lines = [
            ln
            for ln in after_lines
            if not (
                ln.folder.pk == folder.pk
                and ln.principal == (user or group)
                and ln.kind == ("user" if user else "group")
            )
        ]
    elif change in {"restrict", "unrestrict"}:
        last = Folder(
            pk=folder.pk,
            path=folder.path,
            depth=folder.depth,
            name=folder.name,
            restricted=change == "restrict",
            space_id=folder.space_id,
        )
        after_chain = [*chain[:-1], last]
        for ln in after_lines:
            if ln.folder.pk == folder.pk:
                ln.folder = last
    after = explain_access(after_chain[-1], after_chain, space, lines=after_lines)
    all_ids = set()
    if before.everyone or after.everyone:
        all_ids = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    b, a = _readers(before, all_ids), _readers(after, all_ids)
    names = {p.user.pk: p.user.get_full_name() or p.user.username for p in [*before.people, *after.people]}
    gained, lost = a - b, b - a
    return AccessPreview(
        gained=len(gained),
        lost=len(lost),
        gained_names=sorted(names.get(i, "") for i in gained if i in names)[:10],
        lost_names=sorted(names.get(i, "") for i in lost if i in names)[:10],
    )


def _copy(line: GrantLine) -> GrantLine:
    return GrantLine(
        line.kind,
        line.principal,
        line.role,
        line.folder,
        line.applies,
        line.direct,
        line.stopped_by,
        line.keeps_access,
        line.grant_pk,
    )


def grant_choices() -> tuple[list, list]:
    """Agents and departments for the sharing form: two queries."""
    users = list(
        User.objects.filter(is_active=True)
        .only("id", "first_name", "last_name", "username")
        .order_by("last_name", "first_name")
    )
    groups = list(
        Group.objects.filter(department__isnull=False)
        .select_related("department")
        .order_by("department__name")
    )
    return users, groups


def spaces_of_person(viewer, person) -> list[Space]:
    """Spaces where `person` holds a grant and that `viewer` may see listed (secret spaces only if the viewer
    is a member too): one query, whatever the number of spaces or grants."""

    qs = Space.objects.live().filter(
        pk__in=FolderUserObjectPermission.objects.filter(user=person).values("content_object__space_id")
    )
    return list(_listed_for(viewer, qs).order_by("name"))


def _listed_for(viewer, spaces):
    """`spaces` narrowed to those `viewer` may see listed: secret ones only for their members. In SQL, so the
    caller's query stays one query."""
    from django.db.models import Exists, OuterRef

    if is_superuser(viewer):
        return spaces
    member = Exists(
        FolderUserObjectPermission.objects.filter(user=viewer, content_object__space_id=OuterRef("pk"))
    ) | Exists(
        FolderGroupObjectPermission.objects.filter(
            group__user=viewer, content_object__space_id=OuterRef("pk")
        )
    )
    return spaces.filter(~Q(policy=SpacePolicy.SECRET) | member)


def department_spaces_for(viewer, department) -> list[Space]:
    """A department's spaces that `viewer` may see listed (secret ones only if the viewer is a member): one
    query."""
    qs = Space.objects.live().filter(department=department).only("id", "name", "slug", "policy")
    return list(_listed_for(viewer, qs).order_by("name"))


def move_targets(user, space: Space, *, exclude_path: str | None = None) -> list[tuple[Folder, str]]:
    """Folders the agent may add to (contributor or more), in this space and, for a manager of it, in the
    other spaces they manage. One query (plus the cached grants); roles computed in Python."""
    from .permissions import role_in_chain

    space_ids = {space.pk}
    if manages_space(user, space.pk):
        space_ids |= (
            {s.pk for s in Space.objects.live() if manages_space(user, s.pk)}
            if is_superuser(user)
            else {
                g.space_id
                for g in user_grants(user)
                if g.role == Role.MANAGER and len(g.path) == Folder.steplen
            }
        )
    folders = list(
        Folder.objects.filter(space_id__in=sorted(space_ids), trashed_at__isnull=True)
        .select_related("space")
        .order_by("space__name", "path")
    )
    by_path = {f.path: f for f in folders}
    out = []
    for f in folders:
        if exclude_path and f.path.startswith(exclude_path):
            continue
        chain = [
            by_path[p]
            for p in (f.path[:i] for i in range(Folder.steplen, len(f.path) + 1, Folder.steplen))
            if p in by_path
        ]
        if Role.rank(role_in_chain(user, f.space, chain)) >= Role.rank(Role.CONTRIBUTOR):
            label = " › ".join(c.name for c in chain)
            if len(space_ids) > 1:
                label = f"{f.space.name} : {label}" if f.depth > 1 else label
            out.append((f, label))
    return out
