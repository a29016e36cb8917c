"""/api/v1/projects/: workspaces, boards, cards, card edits and moves, through the same permission functions
and actions as the pages. Forbidden and missing answer alike (404); a stale edit answers 409 with the card
as it is now; a move to a column of another board is refused in French (400)."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from intranet.api_schema import StrictIn
from intranet.params import parse_id

from . import actions, queries
from .models import Column
from .permissions import access_board, access_card, access_workspace

router = Router(tags=["projets"])


class WorkspaceOut(Schema):
    id: int
    name: str
    description: str
    status: str
    visibility: str
    lead: str
    start_date: date | None
    end_date: date | None
    member: bool


class BoardRef(Schema):
    id: int
    name: str


class WorkspaceDetail(WorkspaceOut):
    role: str | None = Field(..., description="Votre rôle dans l'équipe : reader, contributor, manager.")
    boards: list[BoardRef]


class CardOut(Schema):
    id: int
    board: int
    column: int
    position: int
    title: str
    description: str
    start_date: date | None
    due_date: date | None
    version: int = Field(..., description="À renvoyer avec une modification (PATCH) : 409 si elle a changé.")
    assignees: list[str]
    labels: list[str]
    archived: bool
    updated_at: datetime


class ColumnOut(Schema):
    id: int
    name: str
    position: int
    cards: list[CardOut]


class BoardOut(Schema):
    id: int
    name: str
    workspace: int
    columns: list[ColumnOut]


class CardEditIn(StrictIn):
    version: int
    title: str = Field(..., max_length=10000)
    description: str = Field("", max_length=100000)
    start_date: date | None = None
    due_date: date | None = None


class MoveIn(StrictIn):
    column: int
    position: int = Field(0, ge=0, le=100000)


class ConflictOut(Schema):
    detail: str
    current: CardOut


def _not_found():
    return HttpError(404, _("Introuvable."))


def _card_out(card, *, assignees=None, labels=None) -> dict:
    return {
        "id": card.pk,
        "board": card.board_id,
        "column": card.column_id,
        "position": card.position,
        "title": card.title,
        "description": card.description,
        "start_date": card.start_date,
        "due_date": card.due_date,
        "version": card.version,
        "assignees": assignees
        if assignees is not None
        else [u.username for u in card.assignees.order_by("username")],
        "labels": labels if labels is not None else [label.name for label in card.labels.order_by("name")],
        "archived": card.archived_at is not None,
        "updated_at": card.updated_at,
    }


def _ws_out(ws, *, member: bool) -> dict:
    return {
        "id": ws.pk,
        "name": ws.name,
        "description": ws.description,
        "status": ws.status,
        "visibility": ws.visibility,
        "lead": ws.lead.get_full_name() or ws.lead.username,
        "start_date": ws.start_date,
        "end_date": ws.end_date,
        "member": member,
    }


def _access(fn, user, pk, **kwargs):
    try:
        return fn(user, parse_id(pk, param="id"), **kwargs)
    except Http404:
        raise _not_found() from None


@router.get("/workspaces", response=list[WorkspaceOut], summary="Les projets que vous pouvez voir")
def workspaces(request):
    return [_ws_out(w, member=w.is_member) for w in queries.workspace_listing(request.auth)]


@router.get("/workspaces/{workspace_id}", response=WorkspaceDetail, summary="Un projet et ses tableaux")
def workspace(request, workspace_id: int):
    access = _access(access_workspace, request.auth, workspace_id, need="read")
    ws = access.workspace
    return {
        **_ws_out(ws, member=access.role is not None),
        "role": access.role,
        "boards": [{"id": b.pk, "name": b.name} for b in ws.boards.order_by("position", "pk")],
    }


@router.get("/boards/{board_id}", response=BoardOut, summary="Un tableau : colonnes et cartes actives")
def board(request, board_id: int):
    board, _access_ = _access(access_board, request.auth, board_id, need="read")
    return {
        "id": board.pk,
        "name": board.name,
        "workspace": board.workspace_id,
        "columns": [
            {
                "id": col.pk,
                "name": col.name,
                "position": col.position,
                "cards": [
                    _card_out(
                        c,
                        assignees=sorted(u.username for u in c.assignees.all()),
                        labels=sorted(label.name for label in c.labels.all()),
                    )
                    for c in col.live_cards
                ],
            }
            for col in queries.board_columns(board)
        ],
    }


@router.get("/cards/{card_id}", response=CardOut, summary="Une carte")
def card(request, card_id: int):
    card, _access_ = _access(access_card, request.auth, card_id, need="read")
    return _card_out(card)


@router.patch(
    "/cards/{card_id}",
    response={200: CardOut, 409: ConflictOut},
    summary="Modifier le titre, la description et les dates d'une carte",
    description=(
        "Envoyez la `version` lue avec la carte. Si quelqu'un l'a modifiée depuis, la réponse est 409 avec "
        "la carte telle qu'elle est maintenant : rien n'est écrasé. "
        "Les personnes et étiquettes ne changent pas."
    ),
)
def card_edit(request, card_id: int, payload: CardEditIn):
    card, access = _access(access_card, request.auth, card_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()  # a reader may not write: answered like a missing card
    try:
        card = actions.card_edit(
            card=card,
            version=payload.version,
            actor=request.auth,
            title=payload.title,
            description=payload.description,
            start_date=payload.start_date,
            due_date=payload.due_date,
            assignees=list(card.assignees.all()),
            labels=list(card.labels.all()),
        )
    except actions.CardConflict as conflict:
        return Status(
            409,
            {
                "detail": _(
                    "Cette carte a été modifiée par quelqu'un d'autre pendant que vous la modifiiez : "
                    "voici le texte actuel. Reprenez votre modification à partir de lui."
                ),
                "current": _card_out(conflict.current),
            },
        )
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from None
    return Status(200, _card_out(card))


@router.post("/cards/{card_id}/move", response=CardOut, summary="Déplacer une carte")
def card_move(request, card_id: int, payload: MoveIn):
    card, access = _access(access_card, request.auth, card_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()
    column = Column.objects.filter(pk=payload.column).first()
    if column is None:
        raise HttpError(400, _("Cette colonne n'existe pas."))
    try:
        card = actions.card_move(card=card, column=column, position=payload.position, actor=request.auth)
    except ValidationError as exc:
        raise HttpError(400, " ".join(exc.messages)) from None
    card.refresh_from_db()
    return _card_out(card)
