"""Every write of the projects app: workspaces and their roster, boards, columns, cards.

Each action runs in one transaction. A workspace's GED space, salon and first board are made by the team
provisioners the other apps registered (`intranet.registry.register_team_provisioner`), inside the same
transaction: if any of them fails, nothing of the workspace remains.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Max, PositiveIntegerField, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet import dashboard, registry
from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify
from intranet.people import team_groups

from . import notices, push, revoke
from .agent import DASHBOARD_TOPIC
from .choices import JoinPolicy, MemberRole, Status, Visibility
from .models import (
    TITLE_MAX,
    Board,
    Card,
    ChecklistItem,
    Column,
    Comment,
    Label,
    Member,
    RosterGroup,
    Workspace,
)
from .permissions import forget_roles

DEFAULT_COLUMNS = ("À faire", "En cours", "Terminé")


class CardConflict(Exception):
    """The card changed since the editor opened it; `current` is the card as it is now."""

    def __init__(self, current: Card):
        super().__init__("card changed")
        self.current = current


def _name(value: str, *, field: str, max_length: int, empty: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError({field: empty})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("Ce nom ne doit pas dépasser %(n)s caractères : raccourcissez-le.") % {"n": max_length}}
        )
    return value


def _full_name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- The team seen by the provisioners -------------------------------------------------------------------


def team_of(workspace: Workspace, *, departed=()) -> registry.Team:
    groups = team_groups.role_groups(_team_id(workspace))
    members = dict(
        Member.objects.filter(workspace=workspace, user__is_active=True).values_list("user_id", "role")
    )
    return registry.Team(
        key=workspace.team_key,
        name=workspace.name,
        description=workspace.description,
        visibility=workspace.visibility,
        lead=workspace.lead,
        groups=groups,
        members=members,
        refs=dict(workspace.refs or {}),
        closed=workspace.closed,
        departed=frozenset(departed),
    )


def _roster_changed(workspace: Workspace, actor, *, departed=()) -> None:
    team = team_of(workspace, departed=departed)
    for provisioner in registry.team_provisioners():
        provisioner.sync_roster(team, actor)


def team_changed(workspace: Workspace, actor) -> None:
    """The workspace's name, description or visibility changed: the « team changed » hook brings the GED
    space (policy, name) and the salon (openness, name) in line, in the caller's transaction."""
    team = team_of(workspace)
    for provisioner in registry.team_provisioners():
        if provisioner.changed is not None:
            provisioner.changed(team, actor)


def _put_in_group(workspace: Workspace, user, role: str | None) -> None:
    """Keep the user in exactly the core team's group of their role (none when they left)."""
    team_groups.put_in_role_group(_team_id(workspace), user, role)


def _team_id(workspace: Workspace) -> int:
    """The workspace's core team. One created by the previous release's code while it still served, during
    a rolling upgrade, has none: it gets one now, holding the groups its RosterGroup rows name (what
    migration projects 0004 did for the others)."""
    if workspace.team_id is None:
        with transaction.atomic():
            locked = Workspace.objects.select_for_update().only("pk", "team_id").get(pk=workspace.pk)
            if locked.team_id is None:
                groups = dict(
                    RosterGroup.objects.filter(workspace_id=workspace.pk).values_list("role", "group_id")
                )
                team = team_groups.team_adopt(
                    key=workspace.team_key,
                    name=workspace.name,
                    kind="project",
                    groups=groups,
                    group_name=lambda role: f"projet:{workspace.pk}:{role}",
                )
                Workspace.objects.filter(pk=workspace.pk).update(team=team)
                locked.team_id = team.pk
        workspace.team_id = locked.team_id
    return workspace.team_id


# --- Workspaces ------------------------------------------------------------------------------------------


@transaction.atomic
def workspace_create(
    *,
    name: str,
    creator,
    lead=None,
    sponsor=None,
    description: str = "",
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    status: str = Status.SCOPING,
    visibility: str = Visibility.PRIVATE,
    join_policy: str = JoinPolicy.REQUEST,
    members: dict | None = None,
    board_name: str = "",
    columns=DEFAULT_COLUMNS,
) -> Workspace:
    """A workspace, its core team with one group per role, its lead as « responsable », then the provisioners'
    objects (GED space, salon) and its first board, all in this one transaction. `members`: {user: role}."""
    lead = lead or creator
    if not lead.is_active:
        raise ValidationError({"lead": _("Ce compte est désactivé : choisissez un autre chef de projet.")})
    if status == Status.CLOSED:
        raise ValidationError({"status": _("Un projet ne se crée pas clos.")})
    workspace = Workspace(
        name=_name(name, field="name", max_length=120, empty=_("Donnez un nom au projet.")),
        description=(description or "").strip(),
        sponsor=sponsor,
        lead=lead,
        start_date=start_date,
        end_date=end_date,
        status=status,
        visibility=visibility,
        join_policy=join_policy,
        created_by=creator,
    )
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": _("La fin prévue doit suivre le début du projet.")})
    workspace.full_clean(exclude=["lead", "sponsor", "created_by", "team"])
    # The team's key and group names carry the workspace's id: the team is reserved, then provisioned.
    workspace.team = team_groups.team_reserve(name=workspace.name, kind="project")
    workspace.save()
    groups = team_groups.team_provision(
        workspace.team, key=workspace.team_key, group_name=lambda role: f"projet:{workspace.pk}:{role}"
    )
    # The same groups as RosterGroup rows, for the previous release's workers during an upgrade (one release).
    RosterGroup.objects.bulk_create(
        [RosterGroup(workspace=workspace, role=role, group=group) for role, group in groups.items()]
    )
    roster = {lead: MemberRole.MANAGER}
    for user, role in (members or {}).items():
        if user.pk == lead.pk:
            continue
        if role not in MemberRole.values:
            raise ValidationError(_("Rôle inconnu."))
        if not user.is_active:
            raise ValidationError(
                _("Le compte de %(who)s est désactivé : retirez-le de l'équipe.") % {"who": _full_name(user)}
            )
        roster[user] = role
    Member.objects.bulk_create([Member(workspace=workspace, user=u, role=r) for u, r in roster.items()])
    for user, role in roster.items():
        groups[role].user_set.add(user)
    team = team_of(workspace)
    refs = {}
    for provisioner in registry.team_provisioners():
        refs[provisioner.key] = provisioner.create(team, creator)
    workspace.refs = refs
    workspace.save(update_fields=["refs"])
    board_create(
        workspace=workspace, name=board_name or _("Tableau principal"), columns=columns, actor=creator
    )
    audit_record(action="projects.workspace.create", actor=creator, obj=workspace, extra={"refs": refs})
    return workspace


@transaction.atomic
def workspace_update(*, workspace: Workspace, actor, **fields) -> Workspace:
    """Name, description, sponsor, dates, status (not « clos »: see workspace_close), join policy."""
    allowed = {"name", "description", "sponsor", "start_date", "end_date", "status", "join_policy"}
    for key, value in fields.items():
        if key not in allowed:
            raise ValueError(key)
        setattr(workspace, key, value)
    workspace.name = _name(workspace.name, field="name", max_length=120, empty=_("Donnez un nom au projet."))
    if workspace.status == Status.CLOSED and not workspace.closed:
        raise ValidationError({"status": _("Pour clore le projet, utilisez le bouton « Clore le projet ».")})
    if workspace.start_date and workspace.end_date and workspace.end_date < workspace.start_date:
        raise ValidationError({"end_date": _("La fin prévue doit suivre le début du projet.")})
    workspace.full_clean(exclude=["lead", "sponsor", "created_by", "team"])
    workspace.save()
    if "name" in fields:
        team_groups.team_rename(_team_id(workspace), workspace.name)
    audit_record(action="projects.workspace.update", actor=actor, obj=workspace)
    return workspace


@transaction.atomic
def workspace_close(*, workspace: Workspace, actor) -> Workspace:
    """Closed: the space turns read-only, the salon is archived, the boards are frozen."""
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    if workspace.closed:
        return workspace
    workspace.status_before_close = workspace.status
    workspace.status = Status.CLOSED
    workspace.save(update_fields=["status", "status_before_close"])
    team = team_of(workspace)
    for provisioner in registry.team_provisioners():
        provisioner.close(team, actor)
    audit_record(action="projects.workspace.close", actor=actor, obj=workspace)
    return workspace


@transaction.atomic
def workspace_reopen(*, workspace: Workspace, actor) -> Workspace:
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    if not workspace.closed:
        return workspace
    workspace.status = workspace.status_before_close or Status.ACTIVE
    workspace.status_before_close = ""
    workspace.save(update_fields=["status", "status_before_close"])
    team = team_of(workspace)
    for provisioner in registry.team_provisioners():
        provisioner.reopen(team, actor)
    audit_record(action="projects.workspace.reopen", actor=actor, obj=workspace)
    return workspace


# --- Roster ----------------------------------------------------------------------------------------------


def _refuse_when_closed(workspace: Workspace) -> None:
    if workspace.closed:
        raise ValidationError(_("Ce projet est clos : rouvrez-le d'abord pour le modifier."))


def _managers_left(workspace: Workspace, without_user_id: int) -> int:
    return (
        Member.objects.filter(workspace=workspace, role=MemberRole.MANAGER, user__is_active=True)
        .exclude(user_id=without_user_id)
        .count()
    )


@transaction.atomic
def member_set(*, workspace: Workspace, user, role: str, actor, notify_member: bool = True) -> Member:
    """Add an agent to the roster or change their role; the space's grants and the salon follow."""
    _refuse_when_closed(workspace)
    if role not in MemberRole.values:
        raise ValidationError({"role": _("Rôle inconnu : choisissez lecteur, contributeur ou responsable.")})
    if not user.is_active:
        raise ValidationError({"user": _("Ce compte est désactivé : il ne peut pas rejoindre le projet.")})
    member = Member.objects.select_for_update().filter(workspace=workspace, user=user).first()
    if member is not None and member.role == role:
        return member
    if member is not None and member.role == MemberRole.MANAGER and not _managers_left(workspace, user.pk):
        raise ValidationError(
            {
                "role": _(
                    "Le projet garde au moins un responsable : nommez-en un autre avant de changer ce rôle."
                )
            }
        )
    created = member is None
    if created:
        member = Member.objects.create(workspace=workspace, user=user, role=role)
    else:
        member.role = role
        member.save(update_fields=["role"])
    _put_in_group(workspace, user, role)
    forget_roles(user)
    _roster_changed(workspace, actor)
    audit_record(
        action="projects.member.set", actor=actor, obj=workspace, extra={"user": user.pk, "role": role}
    )
    if created and notify_member and actor is not None and actor.pk != user.pk:
        notify(
            recipients=[user],
            verb="projects.member",
            text=_("%(who)s vous a ajouté·e à l'équipe du projet « %(project)s ».")
            % {"who": _full_name(actor), "project": workspace.name},
            url=reverse("projects:workspace", args=[workspace.pk]),
        )
    return member


@transaction.atomic
def member_remove(*, workspace: Workspace, user, actor) -> None:
    """Out of the roster: out of the space's grants, out of the salon, unassigned from the cards."""
    _refuse_when_closed(workspace)
    member = Member.objects.select_for_update().filter(workspace=workspace, user=user).first()
    if member is None:
        return
    if member.role == MemberRole.MANAGER and not _managers_left(workspace, user.pk):
        raise ValidationError(_("Le projet garde au moins un responsable : nommez-en un autre d'abord."))
    member.delete()
    _put_in_group(workspace, user, None)
    Card.assignees.through.objects.filter(user_id=user.pk, card__board__workspace=workspace).delete()
    # The bell must not keep naming cards the agent may no longer read.
    notices.forget_for_leaver(workspace_id=workspace.pk, user_id=user.pk)
    forget_roles(user)
    _roster_changed(workspace, actor, departed=[user.pk])
    # Their open board pages close (the socket re-checks the read right if the page reconnects).
    revoke.close_board_sockets(workspace_id=workspace.pk, user_ids=[user.pk])
    audit_record(action="projects.member.remove", actor=actor, obj=workspace, extra={"user": user.pk})


@transaction.atomic
def workspace_join(*, workspace: Workspace, user) -> Member | None:
    """Open projects: the agent joins as contributor. On request: the responsables are asked."""
    _refuse_when_closed(workspace)
    if workspace.visibility == Visibility.SECRET or workspace.join_policy == JoinPolicy.LEAD:
        raise ValidationError(_("Seul le responsable du projet peut ajouter des membres."))
    if workspace.join_policy == JoinPolicy.OPEN:
        return member_set(
            workspace=workspace, user=user, role=MemberRole.CONTRIBUTOR, actor=user, notify_member=False
        )
    managers = Member.objects.filter(workspace=workspace, role=MemberRole.MANAGER).values_list(
        "user_id", flat=True
    )
    notify(
        recipients=list(managers),
        verb="projects.join_request",
        text=_("%(who)s demande à rejoindre le projet « %(project)s ».")
        % {"who": _full_name(user), "project": workspace.name},
        url=reverse("projects:roster", args=[workspace.pk]),
    )
    audit_record(action="projects.member.ask", actor=user, obj=workspace)
    return None


# --- Boards, columns, labels -----------------------------------------------------------------------------


def _refuse_frozen(workspace: Workspace) -> None:
    if workspace.closed:
        raise ValidationError(_("Ce projet est clos : ses tableaux sont en lecture seule."))


@transaction.atomic
def board_create(*, workspace: Workspace, name: str, actor, columns=DEFAULT_COLUMNS) -> Board:
    _refuse_frozen(workspace)
    name = _name(name, field="name", max_length=120, empty=_("Donnez un nom au tableau."))
    position = (workspace.boards.aggregate(m=Max("position"))["m"] or 0) + 1
    board = Board.objects.create(workspace=workspace, name=name, position=position)
    Column.objects.bulk_create(
        [Column(board=board, name=str(c)[:80], position=i) for i, c in enumerate(columns)]
    )
    audit_record(action="projects.board.create", actor=actor, obj=board, extra={"workspace": workspace.pk})
    return board


@transaction.atomic
def column_create(*, board: Board, name: str, actor) -> Column:
    _refuse_frozen(board.workspace)
    name = _name(name, field="name", max_length=80, empty=_("Donnez un nom à la colonne."))
    position = (board.columns.aggregate(m=Max("position"))["m"] or 0) + 1
    return Column.objects.create(board=board, name=name, position=position)


@transaction.atomic
def label_create(*, board: Board, name: str, actor) -> Label:
    _refuse_frozen(board.workspace)
    name = _name(name, field="name", max_length=40, empty=_("Donnez un nom à l'étiquette."))
    label, _created = Label.objects.get_or_create(board=board, name=name)
    return label


# --- Cards -----------------------------------------------------------------------------------------------


def _check_card_fields(*, title: str, start_date, due_date) -> str:
    title = _name(title, field="title", max_length=TITLE_MAX, empty=_("Donnez un titre à la carte."))
    if start_date and due_date and due_date < start_date:
        raise ValidationError({"due_date": _("L'échéance doit suivre la date de début.")})
    return title


def _check_assignees(board: Board, assignees) -> list:
    assignees = list(assignees or [])
    if not assignees:
        return []
    ids = set(
        Member.objects.filter(
            workspace_id=board.workspace_id, user__in=assignees, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    strangers = [u for u in assignees if u.pk not in ids]
    if strangers:
        raise ValidationError(
            {
                "assignees": _(
                    "%(who)s ne fait pas partie de l'équipe du projet : ajoutez la personne d'abord."
                )
                % {"who": ", ".join(_full_name(u) for u in strangers)}
            }
        )
    return assignees


def _check_labels(board: Board, labels) -> list:
    labels = list(labels or [])
    if any(label.board_id != board.pk for label in labels):
        raise ValidationError({"labels": _("Cette étiquette appartient à un autre tableau.")})
    return labels


def _notify_assigned(card: Card, users, actor) -> None:
    new = [u for u in users if u.pk != getattr(actor, "pk", None)]
    if new:
        notify(
            recipients=new,
            verb="projects.assigned",
            text=_("%(who)s vous a confié la carte « %(card)s ».")
            % {"who": _full_name(actor), "card": card.title},
            url=reverse("projects:card", args=[card.pk]),
            email=True,
            place=card.board.workspace.name,
        )


@transaction.atomic
def card_create(
    *,
    board: Board,
    column: Column,
    title: str,
    actor,
    description: str = "",
    due_date=None,
    start_date=None,
    assignees=None,
    labels=None,
) -> Card:
    """A card at the end of `column`; `assignees` must be in the roster, `labels` of this board."""
    _refuse_frozen(board.workspace)
    if column.board_id != board.pk:
        raise ValidationError({"column": _("Cette colonne appartient à un autre tableau.")})
    title = _check_card_fields(title=title, start_date=start_date, due_date=due_date)
    description = (description or "").strip()
    if len(description) > 20000:
        raise ValidationError({"description": _("La description ne doit pas dépasser 20 000 caractères.")})
    assignees = _check_assignees(board, assignees)
    labels = _check_labels(board, labels)
    Board.objects.select_for_update().filter(pk=board.pk).first()  # moves and creations take turns
    position = (Card.objects.filter(column=column).aggregate(m=Max("position"))["m"] or 0) + 1
    card = Card(
        board=board,
        column=column,
        position=position,
        title=title,
        description=description,
        due_date=due_date,
        start_date=start_date,
        created_by=actor,
    )
    card.full_clean()
    card.save()
    if assignees:
        card.assignees.set(assignees)
        _notify_assigned(card, assignees, actor)
    if labels:
        card.labels.set(labels)
    return card


@transaction.atomic
def card_edit(
    *,
    card: Card,
    version: int,
    actor,
    title: str,
    description: str = "",
    start_date=None,
    due_date=None,
    assignees=None,
    labels=None,
) -> Card:
    """Save the card's content if nobody changed it since `version`; else raise CardConflict with the card as
    it is now (never a silent overwrite)."""
    board = card.board
    _refuse_frozen(board.workspace)
    title = _check_card_fields(title=title, start_date=start_date, due_date=due_date)
    description = (description or "").strip()
    if len(description) > 20000:
        raise ValidationError({"description": _("La description ne doit pas dépasser 20 000 caractères.")})
    assignees = _check_assignees(board, assignees)
    labels = _check_labels(board, labels)
    updated = Card.objects.filter(pk=card.pk, version=version).update(
        title=title,
        description=description,
        start_date=start_date,
        due_date=due_date,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        raise CardConflict(Card.objects.select_related("column").get(pk=card.pk))
    card = Card.objects.select_related("board__workspace", "column").get(pk=card.pk)
    before = set(card.assignees.values_list("pk", flat=True))
    card.assignees.set(assignees)
    card.labels.set(labels)
    _notify_assigned(card, [u for u in assignees if u.pk not in before], actor)
    dashboard.bump(DASHBOARD_TOPIC)  # « Mes tâches » panels: titles and due dates
    return card


@transaction.atomic
def card_move(*, card: Card, column: Column, position: int, actor) -> Card:
    """Put the card at `position` (0-based, clamped) in `column` of the same board. Moves on one board take
    turns (the board row is locked) and renumber the column in one UPDATE, so concurrent moves always leave
    one order with no duplicate position."""
    _refuse_frozen(card.board.workspace)
    if column.board_id != card.board_id:
        raise ValidationError({"column": _("Cette colonne appartient à un autre tableau.")})
    if connection.vendor == "postgresql":
        ids, position = _move_sql(card.pk, card.board_id, column.pk, int(position))
    else:
        Board.objects.select_for_update().filter(pk=card.board_id).first()
        ids = list(
            Card.objects.live()
            .filter(column=column)
            .exclude(pk=card.pk)
            .order_by("position", "pk")
            .values_list("pk", flat=True)
        )
        position = max(0, min(int(position), len(ids)))
        ids.insert(position, card.pk)
        # One UPDATE: the card joins the column (the others are in it already) and the column is renumbered.
        Card.objects.filter(pk__in=ids).update(
            column=column,
            position=Case(
                *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)],
                default=F("position"),
                output_field=PositiveIntegerField(),
            ),
        )
    card.column = column
    card.position = position
    # Every open page of the board puts the target column in the server's order (clients never keep their
    # own guess); a page that misses events reloads on reconnect.
    event = {"type": "move", "card": card.pk, "column": column.pk, "order": ids}
    board_id = card.board_id
    transaction.on_commit(lambda: push.push_to_board(board_id, event), robust=True)
    return card


# The same move as the portable path, in two statements (a move is the board's live hot path, bench B11): the
# board row is locked first, so the second statement's snapshot, taken once the lock is held, sees every move
# committed before; it numbers the column's live cards without the moved one, makes room at the clamped
# position and writes the card and the column in one UPDATE.
_MOVE_SQL = """
WITH others AS (
    SELECT id, row_number() OVER (ORDER BY position, id) - 1 AS rank
    FROM projects_card
    WHERE column_id = %(column)s AND archived_at IS NULL AND id <> %(card)s
), place AS (
    SELECT LEAST(GREATEST(%(position)s, 0), (SELECT count(*) FROM others)) AS at
), ordered AS (
    SELECT id, CASE WHEN rank < (SELECT at FROM place) THEN rank ELSE rank + 1 END AS position FROM others
    UNION ALL
    SELECT %(card)s, (SELECT at FROM place)
)
UPDATE projects_card AS card SET column_id = %(column)s, position = ordered.position
FROM ordered WHERE card.id = ordered.id
RETURNING card.id, card.position
"""


def _move_sql(card_id: int, board_id: int, column_id: int, position: int) -> tuple[list[int], int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM projects_board WHERE id = %s FOR UPDATE", [board_id])
        position = max(0, min(position, 2**31 - 1))
        cursor.execute(_MOVE_SQL, {"card": card_id, "column": column_id, "position": position})
        rows = sorted(cursor.fetchall(), key=lambda row: row[1])
    ids = [row[0] for row in rows]
    return ids, ids.index(card_id)


@transaction.atomic
def card_archive(*, card: Card, actor, archived: bool = True) -> Card:
    _refuse_frozen(card.board.workspace)
    card.archived_at = timezone.now() if archived else None
    Card.objects.filter(pk=card.pk).update(archived_at=card.archived_at)
    dashboard.bump(DASHBOARD_TOPIC)
    return card


@transaction.atomic
def card_delete(*, card: Card, actor) -> None:
    """Delete a card for good, with its checklist, comments and links (documents stay in the space). The
    callers allow it to responsables only, like deleting a column or a milestone; contributeurs archive.
    Refused when the project is closed. The board row is locked, so it takes turns with moves."""
    _refuse_frozen(card.board.workspace)
    Board.objects.select_for_update().filter(pk=card.board_id).first()
    audit_record(
        action="projects.card.delete",
        actor=actor,
        obj=card.board,
        extra={"card": card.pk, "title": card.title[:200]},
    )
    Card.objects.filter(pk=card.pk).delete()
    dashboard.bump(DASHBOARD_TOPIC)


@transaction.atomic
def card_labels_set(*, card: Card, version: int, labels, actor) -> Card:
    """Replace the card's labels (of its board) if nobody changed the card since `version`; else raise
    CardConflict. The version moves, as for any edit of the card."""
    _refuse_frozen(card.board.workspace)
    labels = _check_labels(card.board, labels)
    updated = Card.objects.filter(pk=card.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise CardConflict(Card.objects.select_related("column").get(pk=card.pk))
    card = Card.objects.select_related("board__workspace", "column").get(pk=card.pk)
    card.labels.set(labels)
    dashboard.bump(DASHBOARD_TOPIC)
    return card


@transaction.atomic
def checklist_add(*, card: Card, text: str, actor) -> ChecklistItem:
    _refuse_frozen(card.board.workspace)
    text = _name(text, field="text", max_length=200, empty=_("Écrivez l'élément de la liste."))
    position = (card.checklist.aggregate(m=Max("position"))["m"] or 0) + 1
    return ChecklistItem.objects.create(card=card, text=text, position=position)


@transaction.atomic
def checklist_toggle(*, item: ChecklistItem, done: bool, actor) -> ChecklistItem:
    _refuse_frozen(item.card.board.workspace)
    ChecklistItem.objects.filter(pk=item.pk).update(done=done)
    item.done = done
    return item


@transaction.atomic
def comment_add(*, card: Card, author, text: str) -> Comment:
    _refuse_frozen(card.board.workspace)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Écrivez votre commentaire avant de l'envoyer.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("Le commentaire ne doit pas dépasser 5 000 caractères.")})
    comment = Comment.objects.create(card=card, author=author, text=text)
    notices.notify_mentions(card=card, author=author, text=text)
    return comment
