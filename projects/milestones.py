"""Milestones (« jalons »): named, dated steps of a workspace with the cards attached to them.

A card belongs to at most one milestone (`Card.milestone`). A card is *open* while it is live and not in the
last column of its board (« Terminé » on the default board). Closing a milestone that still has open cards
is refused unless a responsable confirms explicitly (`confirm=True`), which is recorded in the audit log.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .choices import MemberRole
from .models import Card, Column, Member, Milestone, Workspace


class MilestoneHasOpenCards(Exception):
    """Closing was asked without confirmation while cards are still open; `cards` lists them."""

    def __init__(self, cards: list[Card]):
        super().__init__("open cards")
        self.cards = cards


def _refuse_frozen(workspace: Workspace) -> None:
    if workspace.closed:
        raise ValidationError(_("Ce projet est clos : rouvrez-le d'abord pour modifier ses jalons."))


def _clean(workspace: Workspace, *, name: str, date, description: str) -> tuple[str, datetime.date, str]:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Donnez un nom au jalon.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Le nom du jalon ne doit pas dépasser 120 caractères.")})
    if date is None:
        raise ValidationError({"date": _("Donnez une date au jalon.")})
    if workspace.start_date and date < workspace.start_date:
        raise ValidationError(
            {
                "date": _(
                    "Un jalon ne peut pas précéder le début du projet (%(start)s) : choisissez une date "
                    "à partir de celle-ci."
                )
                % {"start": date_format(workspace.start_date, "j F Y")}
            }
        )
    description = (description or "").strip()
    if len(description) > 2000:
        raise ValidationError({"description": _("La description ne doit pas dépasser 2 000 caractères.")})
    return name, date, description


@transaction.atomic
def milestone_create(
    *, workspace: Workspace, name: str, date: datetime.date, actor, description: str = ""
) -> Milestone:
    _refuse_frozen(workspace)
    name, date, description = _clean(workspace, name=name, date=date, description=description)
    milestone = Milestone.objects.create(workspace=workspace, name=name, date=date, description=description)
    audit_record(action="projects.milestone.create", actor=actor, obj=milestone, extra={"date": str(date)})
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, name: str, date: datetime.date, actor, description: str = ""
) -> Milestone:
    _refuse_frozen(milestone.workspace)
    name, date, description = _clean(milestone.workspace, name=name, date=date, description=description)
    milestone.name, milestone.date, milestone.description = name, date, description
    milestone.save(update_fields=["name", "date", "description"])
    audit_record(action="projects.milestone.update", actor=actor, obj=milestone, extra={"date": str(date)})
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor) -> None:
    """The cards stay on their boards, detached."""
    _refuse_frozen(milestone.workspace)
    audit_record(action="projects.milestone.delete", actor=actor, obj=milestone)
    milestone.delete()


def last_column_ids(workspace_id: int) -> set[int]:
    """The last column of each board of the workspace: cards there count as done."""
    last = Column.objects.filter(board_id=OuterRef("board_id")).order_by("-position", "-pk").values("pk")[:1]
    return set(
        Column.objects.filter(board__workspace_id=workspace_id)
        .annotate(last=Subquery(last))
        .filter(pk=F("last"))
        .values_list("pk", flat=True)
    )


def open_cards(milestone: Milestone) -> list[Card]:
    done_columns = last_column_ids(milestone.workspace_id)
    return list(
        Card.objects.live()
        .filter(milestone=milestone)
        .exclude(column_id__in=done_columns)
        .select_related("column", "board")
        .order_by("due_date", "pk")
    )


@transaction.atomic
def milestone_close(*, milestone: Milestone, actor, confirm: bool = False) -> Milestone:
    """Close the milestone. With open cards: raise MilestoneHasOpenCards unless `confirm` — and only a
    responsable may confirm."""
    _refuse_frozen(milestone.workspace)
    milestone = Milestone.objects.select_for_update().select_related("workspace").get(pk=milestone.pk)
    if milestone.closed:
        return milestone
    still_open = open_cards(milestone)
    if still_open:
        if not confirm:
            raise MilestoneHasOpenCards(still_open)
        role = (
            Member.objects.filter(workspace_id=milestone.workspace_id, user_id=getattr(actor, "pk", None))
            .values_list("role", flat=True)
            .first()
        )
        if role != MemberRole.MANAGER:
            raise ValidationError(
                _("Seul un responsable du projet peut clore un jalon dont des cartes restent ouvertes.")
            )
    milestone.closed_at = timezone.now()
    milestone.closed_by = actor
    milestone.save(update_fields=["closed_at", "closed_by"])
    audit_record(
        action="projects.milestone.close",
        actor=actor,
        obj=milestone,
        extra={"open_cards": [c.pk for c in still_open], "confirmed": bool(still_open)},
    )
    return milestone


@transaction.atomic
def milestone_reopen(*, milestone: Milestone, actor) -> Milestone:
    _refuse_frozen(milestone.workspace)
    Milestone.objects.filter(pk=milestone.pk).update(closed_at=None, closed_by=None)
    milestone.closed_at = None
    milestone.closed_by = None
    audit_record(action="projects.milestone.reopen", actor=actor, obj=milestone)
    return milestone


@transaction.atomic
def card_milestone_set(*, card: Card, milestone: Milestone | None, actor) -> Card:
    """Attach the card to `milestone` (one at most: it leaves its previous one) or detach it (None)."""
    workspace = card.board.workspace
    _refuse_frozen(workspace)
    if milestone is not None and milestone.workspace_id != workspace.pk:
        raise ValidationError({"milestone": _("Ce jalon appartient à un autre projet.")})
    if milestone is not None and milestone.closed:
        raise ValidationError({"milestone": _("Ce jalon est clos : rouvrez-le pour y rattacher une carte.")})
    Card.objects.filter(pk=card.pk).update(milestone=milestone)
    card.milestone = milestone
    audit_record(
        action="projects.card.milestone",
        actor=actor,
        obj=card,
        extra={"milestone": milestone.pk if milestone else None},
    )
    return card


def check_start_date(workspace: Workspace, start_date) -> None:
    """A new start date may not fall after an existing milestone."""
    if not start_date:
        return
    first = Milestone.objects.filter(workspace=workspace, date__lt=start_date).order_by("date", "pk").first()
    if first is not None:
        raise ValidationError(
            {
                "start_date": _(
                    "Le jalon « %(name)s » (%(date)s) tomberait avant ce début : déplacez-le d'abord "
                    "ou choisissez un début plus tôt."
                )
                % {"name": first.name, "date": date_format(first.date, "j F Y")}
            }
        )


# --- Reads -----------------------------------------------------------------------------------------------


def milestones_of(workspace: Workspace) -> list[Milestone]:
    """The workspace's milestones with their live and open card counts: two queries."""
    done_columns = last_column_ids(workspace.pk)
    milestones = list(Milestone.objects.filter(workspace=workspace).order_by("date", "pk"))
    counts: dict[int, list[int]] = {m.pk: [0, 0] for m in milestones}
    for milestone_id, column_id in (
        Card.objects.live().filter(milestone__workspace=workspace).values_list("milestone_id", "column_id")
    ):
        counts[milestone_id][0] += 1
        if column_id not in done_columns:
            counts[milestone_id][1] += 1
    today = timezone.localdate()
    for m in milestones:
        m.card_count, m.open_count = counts[m.pk]
        m.late = not m.closed and m.date < today
    return milestones


@dataclass
class TimelineEntry:
    date: datetime.date
    kind: str  # "milestone" or "card"
    title: str
    url_name: str
    pk: int
    late: bool
    done: bool
    detail: str = ""


def timeline(workspace: Workspace, *, today=None) -> list[tuple[datetime.date, list[TimelineEntry]]]:
    """Milestones and the due dates of live cards, by month, chronological. Late: the date has passed and the
    milestone is not closed / the card is still open. Three queries."""
    today = today or timezone.localdate()
    done_columns = last_column_ids(workspace.pk)
    entries = [
        TimelineEntry(
            date=m.date,
            kind="milestone",
            title=m.name,
            url_name="projects:milestone",
            pk=m.pk,
            late=not m.closed and m.date < today,
            done=m.closed,
        )
        for m in Milestone.objects.filter(workspace=workspace)
    ]
    for card in (
        Card.objects.live()
        .filter(board__workspace=workspace, due_date__isnull=False)
        .select_related("board", "column", "milestone")
    ):
        done = card.column_id in done_columns
        entries.append(
            TimelineEntry(
                date=card.due_date,
                kind="card",
                title=card.title,
                url_name="projects:card",
                pk=card.pk,
                late=not done and card.due_date < today,
                done=done,
                detail=f"{card.board.name} · {card.column.name}"
                + (f" · {card.milestone.name}" if card.milestone else ""),
            )
        )
    entries.sort(key=lambda e: (e.date, e.kind != "milestone", e.title.lower(), e.pk))
    months: list[tuple[datetime.date, list[TimelineEntry]]] = []
    for entry in entries:
        month = entry.date.replace(day=1)
        if not months or months[-1][0] != month:
            months.append((month, []))
        months[-1][1].append(entry)
    return months
