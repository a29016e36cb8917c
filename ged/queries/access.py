"""« Qui a accès, et pourquoi ? »: the explanation of every reader's access and the preview of a change."""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models import F
from django.utils.translation import gettext as _

from ..choices import ROLE_BY_CODENAME, Role, ShareRole, SpacePolicy
from ..models import Folder, FolderGroupObjectPermission, FolderUserObjectPermission, Space
from .base import User

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
    folder: Folder,
    chain: list[Folder],
    space: Space,
    *,
    lines: list[GrantLine] | None = None,
    shares: list | None = None,
) -> AccessExplanation:
    """Every grant on the folder and its ancestors, whether it applies here and why; every person who can
    read, with their role and reasons — for a document, also those its own shares (`shares`, DocumentGrant
    rows with their grantees) reach. Grants (2 queries), group members (1), agents total (1)."""
    shares = shares or []
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
    group_ids |= {share.group_id for share in shares if share.group_id}
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
    for share in shares:
        role = ShareRole(share.role)
        who = share.granted_by.get_full_name() if share.granted_by else _("le service informatique")
        if share.user_id:
            if share.user.is_active:
                add(
                    share.user,
                    role.role,
                    _("%(role)s, ce document lui est partagé par %(who)s") % {"role": role.label, "who": who},
                )
        else:
            for user in members.get(share.group_id, []):
                add(
                    user,
                    role.role,
                    _("%(role)s, ce document est partagé avec le service « %(group)s » par %(who)s")
                    % {"role": role.label, "group": _group_name(share.group), "who": who},
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
