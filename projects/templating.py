"""Project templates: a workspace or a board saved as structure (columns, labels, cards with their checklist
items, milestone offsets in days from the project start), and workspaces or boards created from one.

`Template.data` is always written through `clean_data`, which bounds every list and string, so applying a
template never meets a surprise. People, dates and comments are never part of a template.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from . import actions
from .models import Board, Card, ChecklistItem, Label, Milestone, Template, Workspace

MAX_BOARDS, MAX_COLUMNS, MAX_LABELS, MAX_CARDS, MAX_ITEMS, MAX_MILESTONES = 10, 20, 40, 200, 50, 50
MAX_OFFSET = 3650


def _name_taken():
    return _("Un modèle porte déjà ce nom : choisissez-en un autre.")


def _save(template: Template) -> Template:
    """Insert; a concurrent template of the same name is a French refusal, not a 500."""
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ValidationError({"name": _name_taken()}) from None
    return template


def _text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def clean_data(data) -> dict:
    """A bounded, well-formed copy of a template's structure; raise ValidationError (French) when unusable."""
    if not isinstance(data, dict):
        raise ValidationError(_("Ce modèle est illisible."))
    boards = []
    for raw_board in list(data.get("boards") or [])[:MAX_BOARDS]:
        if not isinstance(raw_board, dict):
            continue
        columns = [c for c in (_text(c, 80) for c in list(raw_board.get("columns") or [])[:MAX_COLUMNS]) if c]
        if not columns:
            raise ValidationError(_("Chaque tableau d'un modèle doit avoir au moins une colonne."))
        labels = list(
            dict.fromkeys(
                lb for lb in (_text(lb, 40) for lb in list(raw_board.get("labels") or [])[:MAX_LABELS]) if lb
            )
        )
        cards = []
        for raw_card in list(raw_board.get("cards") or [])[:MAX_CARDS]:
            if not isinstance(raw_card, dict) or not _text(raw_card.get("title"), 200):
                continue
            column = raw_card.get("column", 0)
            column = column if isinstance(column, int) and 0 <= column < len(columns) else 0
            cards.append(
                {
                    "title": _text(raw_card.get("title"), 200),
                    "description": str(raw_card.get("description") or "")[:20000],
                    "column": column,
                    "labels": [
                        lb for lb in (_text(x, 40) for x in raw_card.get("labels") or []) if lb in labels
                    ],
                    "checklist": [
                        t
                        for t in (_text(x, 200) for x in list(raw_card.get("checklist") or [])[:MAX_ITEMS])
                        if t
                    ],
                    "milestone": _text(raw_card.get("milestone"), 120),
                }
            )
        boards.append(
            {
                "name": _text(raw_board.get("name"), 120) or _("Tableau"),
                "columns": columns,
                "labels": labels,
                "cards": cards,
            }
        )
    if not boards:
        raise ValidationError(_("Un modèle contient au moins un tableau."))
    milestones = []
    for raw in list(data.get("milestones") or [])[:MAX_MILESTONES]:
        if not isinstance(raw, dict) or not _text(raw.get("name"), 120):
            continue
        offset = raw.get("offset_days", 0)
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
            raise ValidationError(
                _("Le décalage d'un jalon se compte en jours, de 0 à %(max)s après le début du projet.")
                % {"max": MAX_OFFSET}
            )
        milestones.append({"name": _text(raw.get("name"), 120), "offset_days": offset})
    names = {m["name"] for m in milestones}
    for board in boards:
        for card in board["cards"]:
            if card["milestone"] not in names:
                card["milestone"] = ""
    return {"boards": boards, "milestones": milestones}


def _board_data(board: Board, milestone_names: dict[int, str]) -> dict:
    columns = list(board.columns.order_by("position", "pk"))
    index = {c.pk: i for i, c in enumerate(columns)}
    cards = (
        Card.objects.live()
        .filter(board=board)
        .order_by("column__position", "position", "pk")
        .prefetch_related("labels", "checklist")
    )
    return {
        "name": board.name,
        "columns": [c.name for c in columns],
        "labels": list(board.labels.order_by("name").values_list("name", flat=True)),
        "cards": [
            {
                "title": card.title,
                "description": card.description,
                "column": index.get(card.column_id, 0),
                "labels": sorted(lb.name for lb in card.labels.all()),
                "checklist": [item.text for item in card.checklist.all()],
                "milestone": milestone_names.get(card.milestone_id, ""),
            }
            for card in cards
        ],
    }


def _check_name(name: str, description: str, *, exclude_pk=None) -> tuple[str, str]:
    name = _text(name, 500)
    if not name:
        raise ValidationError({"name": _("Donnez un nom au modèle.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Le nom du modèle ne doit pas dépasser 120 caractères.")})
    # Compared in Python: SQLite's case-insensitive match knows ASCII only (« É » ≠ « é »).
    others = Template.objects.exclude(pk=exclude_pk).values_list("name", flat=True)
    if any(other.casefold() == name.casefold() for other in others):
        raise ValidationError({"name": _name_taken()})
    description = (description or "").strip()
    if len(description) > 2000:
        raise ValidationError({"description": _("La description ne doit pas dépasser 2 000 caractères.")})
    return name, description


@transaction.atomic
def template_from_workspace(*, workspace: Workspace, name: str, actor, description: str = "") -> Template:
    """Every board of the workspace, and its milestones as offsets from its start (or from its first
    milestone when it has no start date)."""
    name, description = _check_name(name, description)
    milestones = list(Milestone.objects.filter(workspace=workspace).order_by("date", "pk"))
    origin = workspace.start_date or (milestones[0].date if milestones else None)
    data = {
        "boards": [_board_data(b, {m.pk: m.name for m in milestones}) for b in workspace.boards.all()],
        "milestones": [{"name": m.name, "offset_days": max(0, (m.date - origin).days)} for m in milestones],
    }
    template = _save(
        Template(
            name=name,
            description=description or workspace.description[:2000],
            kind=Template.Kind.WORKSPACE,
            data=clean_data(data),
            created_by=actor,
        )
    )
    audit_record(
        action="projects.template.create", actor=actor, obj=template, extra={"workspace": workspace.pk}
    )
    return template


@transaction.atomic
def template_from_board(*, board: Board, name: str, actor, description: str = "") -> Template:
    name, description = _check_name(name, description)
    template = _save(
        Template(
            name=name,
            description=description,
            kind=Template.Kind.BOARD,
            data=clean_data({"boards": [_board_data(board, {})], "milestones": []}),
            created_by=actor,
        )
    )
    audit_record(action="projects.template.create", actor=actor, obj=template, extra={"board": board.pk})
    return template


def may_edit_template(user, template: Template) -> bool:
    """Its author (a responsable when they saved it), staff and IT."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.is_staff or template.created_by_id == user.pk


@transaction.atomic
def template_update(*, template: Template, actor, name: str, description: str, data: dict) -> Template:
    """Rename the template and replace its structure (`data`, bounded by `clean_data`). The row is locked so
    two editors take turns; projects already created from it do not change."""
    template = Template.objects.select_for_update().get(pk=template.pk)
    name, description = _check_name(name, description, exclude_pk=template.pk)
    template.name, template.description, template.data = name, description, clean_data(data)
    try:
        with transaction.atomic():
            template.save(update_fields=["name", "description", "data"])
    except IntegrityError:
        raise ValidationError({"name": _name_taken()}) from None
    audit_record(action="projects.template.update", actor=actor, obj=template)
    return template


@transaction.atomic
def template_delete(*, template: Template, actor) -> None:
    audit_record(action="projects.template.delete", actor=actor, obj=template)
    template.delete()


def _fill_board(board: Board, spec: dict, milestones: dict[str, Milestone], actor) -> None:
    """Labels, cards and checklist items of one board (its columns already exist, in the spec's order)."""
    columns = list(board.columns.order_by("position", "pk"))
    labels = {name: Label(board=board, name=name) for name in spec["labels"]}
    Label.objects.bulk_create(labels.values())
    labels = {lb.name: lb for lb in Label.objects.filter(board=board)}
    per_column: dict[int, int] = {}
    cards = []
    for spec_card in spec["cards"]:
        column = columns[min(spec_card["column"], len(columns) - 1)]
        position = per_column.get(column.pk, 0)
        per_column[column.pk] = position + 1
        cards.append(
            Card(
                board=board,
                column=column,
                position=position,
                title=spec_card["title"],
                description=spec_card["description"],
                milestone=milestones.get(spec_card["milestone"]),
                created_by=actor,
            )
        )
    cards = Card.objects.bulk_create(cards)
    if any(c.pk is None for c in cards):  # backends without RETURNING: read them back in creation order
        cards = list(Card.objects.filter(board=board).order_by("pk"))
    links, items = [], []
    for card, spec_card in zip(cards, spec["cards"], strict=True):
        links += [Card.labels.through(card_id=card.pk, label_id=labels[n].pk) for n in spec_card["labels"]]
        items += [ChecklistItem(card=card, text=t, position=i) for i, t in enumerate(spec_card["checklist"])]
    Card.labels.through.objects.bulk_create(links)
    ChecklistItem.objects.bulk_create(items)


@transaction.atomic
def workspace_create_from_template(*, template: Template, creator, start_date=None, **fields) -> Workspace:
    """`actions.workspace_create` (workspace, roster, GED space, salon, first board) with the template's first
    board as that board, then its other boards, labels, cards and milestones — all in one transaction: if
    anything fails, nothing of the workspace remains. Milestones fall `offset_days` after the start date
    (today when none is given, which then becomes the start date)."""
    data = clean_data(template.data)
    start_date = start_date or timezone.localdate()
    first, *others = data["boards"]
    workspace = actions.workspace_create(
        creator=creator,
        start_date=start_date,
        board_name=first["name"],
        columns=first["columns"],
        **fields,
    )
    milestones = {}
    for spec in data["milestones"]:
        milestones[spec["name"]] = Milestone.objects.create(
            workspace=workspace,
            name=spec["name"],
            date=start_date + datetime.timedelta(days=spec["offset_days"]),
        )
    _fill_board(workspace.boards.get(), first, milestones, creator)
    for spec in others:
        board = actions.board_create(
            workspace=workspace, name=spec["name"], columns=spec["columns"], actor=creator
        )
        _fill_board(board, spec, milestones, creator)
    audit_record(
        action="projects.workspace.from_template",
        actor=creator,
        obj=workspace,
        extra={"template": template.pk, "name": template.name},
    )
    return workspace


@transaction.atomic
def board_create_from_template(*, workspace: Workspace, template: Template, actor, name: str = "") -> Board:
    """The template's first board (columns, labels, cards, checklists) as a new board of the workspace; cards
    join the workspace's milestones of the same name when there are some."""
    data = clean_data(template.data)
    spec = data["boards"][0]
    board = actions.board_create(
        workspace=workspace, name=name or spec["name"], columns=spec["columns"], actor=actor
    )
    milestones = {m.name: m for m in Milestone.objects.filter(workspace=workspace, closed_at__isnull=True)}
    _fill_board(board, spec, milestones, actor)
    return board
