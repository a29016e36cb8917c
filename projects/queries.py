"""Reads that join several models or filter by permission: a constant number of queries each."""

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from .models import Board, Card, Label, Member, Workspace
from .permissions import visible_workspaces_q


def workspace_listing(user):
    mine = Exists(Member.objects.filter(workspace=OuterRef("pk"), user_id=user.pk))
    return list(
        Workspace.objects.filter(visible_workspaces_q(user))
        .annotate(is_member=mine)
        .select_related("lead")
        .order_by("-is_member", "name", "pk")
    )


def roster(workspace: Workspace):
    return list(
        Member.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("-role", "user__last_name", "pk")
    )


def board_columns(board: Board) -> list:
    """The board's columns, each with its live cards (assignees, labels, checklist progress): four queries."""
    cards = (
        Card.objects.live()
        .annotate(
            checklist_total=Count("checklist", distinct=True),
            checklist_done=Count("checklist", filter=Q(checklist__done=True), distinct=True),
        )
        .prefetch_related("assignees", "labels")
        .order_by("position", "pk")
    )
    return list(board.columns.prefetch_related(Prefetch("cards", queryset=cards, to_attr="live_cards")))


def my_tasks_queryset(user):
    """Live cards assigned to the agent on the boards of workspaces they are still in (a member removed from a
    roster, or whose account is disabled, loses them at once)."""
    return Card.objects.live().filter(
        assignees=user,
        board__workspace__members__user=user,
        board__workspace__members__user__is_active=True,
    )


# « Échéance » filter values of « Mes tâches »: overdue, the next seven days, later, no due date.
DUE_FILTERS = ("retard", "semaine", "plus-tard", "sans")


def my_tasks(user, *, due: str = "", workspace_id: int | None = None, label: str = "", today=None):
    """« Mes tâches » with its filters: two queries (cards, their labels) whatever the number of cards."""
    today = today or timezone.localdate()
    week_end = today + datetime.timedelta(days=7)
    cards = my_tasks_queryset(user)
    if due == "retard":
        cards = cards.filter(due_date__lt=today)
    elif due == "semaine":
        cards = cards.filter(due_date__gte=today, due_date__lte=week_end)
    elif due == "plus-tard":
        cards = cards.filter(due_date__gt=week_end)
    elif due == "sans":
        cards = cards.filter(due_date__isnull=True)
    if workspace_id:
        cards = cards.filter(board__workspace_id=workspace_id)
    if label:
        cards = cards.filter(labels__name=label)
    return list(
        cards.select_related("board__workspace", "column")
        .prefetch_related(Prefetch("labels", queryset=Label.objects.order_by("name")))
        .order_by("due_date", "pk")
        .distinct()
    )


def my_workspaces(user):
    return list(Workspace.objects.filter(members__user=user).order_by("name", "pk"))
