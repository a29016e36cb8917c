"""Editing a workspace after creation, and a board's columns (rename, reorder, add, delete an empty one).

Only responsables reach these actions (the views ask for the « manage » ability); a closed project refuses
them like every other write.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, PositiveIntegerField, Value, When
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from . import actions, revoke
from .choices import MemberRole, Visibility
from .milestones import check_start_date
from .models import Board, Card, Column, Member, Workspace


def _refuse_closed(workspace: Workspace) -> None:
    if workspace.closed:
        raise ValidationError(_("Ce projet est clos : rouvrez-le d'abord pour le modifier."))


@transaction.atomic
def workspace_edit(
    *,
    workspace: Workspace,
    actor,
    name: str,
    description: str,
    sponsor,
    lead,
    start_date,
    end_date,
    status: str,
    visibility: str,
    join_policy: str,
) -> Workspace:
    """All the workspace's fields. A new lead must be an active agent: they join the roster as responsable
    (or are promoted to it), so the space and the salon follow; the previous lead stays responsable. The
    start date may not move after an existing milestone."""
    workspace = Workspace.objects.select_for_update().select_related("lead").get(pk=workspace.pk)
    _refuse_closed(workspace)
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Visibilité inconnue.")})
    if lead is None or not lead.is_active:
        raise ValidationError({"lead": _("Choisissez un chef de projet en activité.")})
    check_start_date(workspace, start_date)
    before = (workspace.name, workspace.description, workspace.visibility)
    actions.workspace_update(
        workspace=workspace,
        actor=actor,
        name=name,
        description=(description or "").strip(),
        sponsor=sponsor,
        start_date=start_date,
        end_date=end_date,
        status=status,
        join_policy=join_policy,
    )
    changed = []
    if lead.pk != workspace.lead_id:
        role = Member.objects.filter(workspace=workspace, user=lead).values_list("role", flat=True).first()
        if role != MemberRole.MANAGER:
            actions.member_set(workspace=workspace, user=lead, role=MemberRole.MANAGER, actor=actor)
        workspace.lead = lead
        changed.append("lead")
    if visibility != workspace.visibility:
        workspace.visibility = visibility
        changed.append("visibility")
    if changed:
        workspace.save(update_fields=changed)
        audit_record(
            action="projects.workspace.update",
            actor=actor,
            obj=workspace,
            extra={"lead": workspace.lead_id, "visibility": workspace.visibility},
        )
    if (workspace.name, workspace.description, workspace.visibility) != before:
        # The space's policy and the salon's openness follow the visibility (« team changed » hook).
        actions.team_changed(workspace, actor)
    if workspace.visibility != before[2]:
        # Open board pages of agents who may no longer read the project close (after commit).
        revoke.recheck_board_sockets(workspace_id=workspace.pk)
    return workspace


@transaction.atomic
def board_rename(*, board: Board, name: str, actor) -> Board:
    _refuse_closed(board.workspace)
    board.name = actions._name(name, field="name", max_length=120, empty=_("Donnez un nom au tableau."))
    board.save(update_fields=["name"])
    return board


@transaction.atomic
def column_rename(*, column: Column, name: str, actor) -> Column:
    _refuse_closed(column.board.workspace)
    column.name = actions._name(name, field="name", max_length=80, empty=_("Donnez un nom à la colonne."))
    column.save(update_fields=["name"])
    return column


@transaction.atomic
def column_move(*, column: Column, offset: int, actor) -> list[int]:
    """Move the column `offset` places (−1: to the left, +1: to the right) and renumber the board's columns
    0..n-1 in one UPDATE. The board row is locked, as for card moves."""
    board = column.board
    _refuse_closed(board.workspace)
    Board.objects.select_for_update().filter(pk=board.pk).first()
    ids = list(Column.objects.filter(board=board).order_by("position", "pk").values_list("pk", flat=True))
    index = ids.index(column.pk)
    target = max(0, min(index + offset, len(ids) - 1))
    ids.insert(target, ids.pop(index))
    Column.objects.filter(pk__in=ids).update(
        position=Case(
            *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=PositiveIntegerField()
        )
    )
    return ids


@transaction.atomic
def column_place(*, column: Column, position: int, actor) -> list[int]:
    """Put the column at `position` (0-based, clamped) among its board's columns, renumbered 0..n-1 in one
    UPDATE under the board's lock (the API's reorder; the page moves one place at a time)."""
    board = column.board
    _refuse_closed(board.workspace)
    Board.objects.select_for_update().filter(pk=board.pk).first()
    ids = list(Column.objects.filter(board=board).order_by("position", "pk").values_list("pk", flat=True))
    ids.remove(column.pk)
    ids.insert(max(0, min(int(position), len(ids))), column.pk)
    Column.objects.filter(pk__in=ids).update(
        position=Case(
            *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=PositiveIntegerField()
        )
    )
    return ids


@transaction.atomic
def column_delete(*, column: Column, actor) -> None:
    """Only an empty column goes (archived cards count: they would lose their place), never the last one."""
    board = column.board
    _refuse_closed(board.workspace)
    Board.objects.select_for_update().filter(pk=board.pk).first()
    if Card.objects.filter(column=column).exists():
        raise ValidationError(
            _("La colonne « %(name)s » contient des cartes (archivées comprises) : déplacez-les d'abord.")
            % {"name": column.name}
        )
    if Column.objects.filter(board=board).count() <= 1:
        raise ValidationError(_("Un tableau garde au moins une colonne."))
    audit_record(action="projects.column.delete", actor=actor, obj=board, extra={"column": column.name})
    column.delete()
    _renumber(board)


def _renumber(board: Board) -> list[int]:
    """Columns at positions 0..n-1 in their current order, in one UPDATE."""
    ids = list(Column.objects.filter(board=board).order_by("position", "pk").values_list("pk", flat=True))
    Column.objects.filter(pk__in=ids).update(
        position=Case(
            *[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=PositiveIntegerField()
        )
    )
    return ids
