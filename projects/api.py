"""/api/v1/projects/: workspaces, boards, columns, labels, cards (create, edit, move, assign, label,
archive, delete), comments and checklist items, through the same permission functions and actions as the
pages. Forbidden and missing answer alike (404), a reader's write too; a stale edit answers 409 with the card
as it is now; a move to a column of another board, an assignee outside the roster, a label of another board
are refused in French (400). Who may: contributeurs and up add cards, columns and labels, label, archive and
move cards (the board page's rights); responsables rename, reorder and delete columns (the board's edit
page) and delete cards; a closed project refuses every write."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from intranet.api_schema import ObjectId, StrictIn
from intranet.params import parse_id

from . import actions, editing, queries
from .models import ChecklistItem, Column, Label, Member
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


class ChecklistItemOut(Schema):
    id: int
    text: str
    done: bool
    position: int


class CardDetail(CardOut):
    milestone: int | None = Field(..., description="Le jalon de la carte (un au plus).")
    checklist: list[ChecklistItemOut]
    comments: int = Field(..., description="Nombre de commentaires : GET …/comments pour les lire.")


class CommentOut(Schema):
    id: int
    author: str | None = Field(..., description="Identifiant de l'auteur (vide si le compte a disparu).")
    text: str
    created_at: datetime


# A card's version is a PositiveIntegerField: a bounded number, so a huge one is a 422, not a database error.
def _version():
    return Field(..., ge=0, le=2**31 - 1, description="La version lue avec la carte : 409 si elle a changé.")


class CardEditIn(StrictIn):
    version: int = _version()
    title: str = Field(..., max_length=10000)
    description: str = Field("", max_length=100000)
    start_date: date | None = None
    due_date: date | None = None


class CardCreateIn(StrictIn):
    column: ObjectId = Field(..., description="Une colonne de ce tableau.")
    title: str = Field(..., max_length=10000)
    description: str = Field("", max_length=100000)
    start_date: date | None = None
    due_date: date | None = None
    assignees: list[str] = Field(
        [], max_length=50, description="Identifiants d'agents de l'équipe du projet."
    )
    labels: list[str] = Field([], max_length=40, description="Noms d'étiquettes de ce tableau.")


class AssigneesIn(StrictIn):
    version: int = _version()
    assignees: list[str] = Field(..., max_length=50, description="Identifiants d'agents de l'équipe.")


class CommentIn(StrictIn):
    text: str = Field(..., max_length=100000)


class ChecklistAddIn(StrictIn):
    text: str = Field(..., max_length=10000)


class ChecklistSetIn(StrictIn):
    done: bool


class MoveIn(StrictIn):
    column: ObjectId
    position: int = Field(0, ge=0, le=100000)


class ConflictOut(Schema):
    detail: str
    current: CardOut


def _not_found():
    return HttpError(404, _("Introuvable."))


def _bad(exc: ValidationError):
    return HttpError(400, " ".join(exc.messages))


def _texts(*values) -> None:
    """PostgreSQL refuses NUL in text, and the pages' forms refuse it too: say so in French (400)."""
    for value in values:
        items = value if isinstance(value, list) else [value]
        if any("\x00" in (v or "") for v in items):
            raise HttpError(400, _("Le texte contient un caractère nul : retirez-le et renvoyez."))


def _members_by_username(workspace_id: int, usernames: list[str]) -> list:
    """The roster's active agents named in `usernames`; anyone else (unknown, outside the team, disabled)
    is refused with the same French sentence as on the card page, which reveals nothing about accounts."""
    wanted = list(dict.fromkeys(u.strip() for u in usernames if u and u.strip()))
    found = {
        m.user.username: m.user
        for m in Member.objects.filter(
            workspace_id=workspace_id, user__is_active=True, user__username__in=wanted
        ).select_related("user")
    }
    strangers = [u for u in wanted if u not in found]
    if strangers:
        raise HttpError(
            400,
            _("%(who)s ne fait pas partie de l'équipe du projet : ajoutez la personne d'abord.")
            % {"who": ", ".join(f"« {u[:150]} »" for u in strangers)},
        )
    return [found[u] for u in wanted]


def _labels_by_name(board, names: list[str]) -> list:
    wanted = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    found = {lb.name: lb for lb in Label.objects.filter(board=board, name__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise HttpError(
            400,
            _("Ce tableau n'a pas d'étiquette %(names)s : créez-la d'abord sur le tableau.")
            % {"names": ", ".join(f"« {n[:40]} »" for n in missing)},
        )
    return [found[n] for n in wanted]


def _conflict(current):
    return Status(
        409,
        {
            "detail": _(
                "Cette carte a été modifiée par quelqu'un d'autre pendant que vous la modifiiez : "
                "voici le texte actuel. Reprenez votre modification à partir de lui."
            ),
            "current": _card_out(current),
        },
    )


def _item_out(item) -> dict:
    return {"id": item.pk, "text": item.text, "done": item.done, "position": item.position}


def _comment_out(comment) -> dict:
    return {
        "id": comment.pk,
        "author": comment.author.username if comment.author_id else None,
        "text": comment.text,
        "created_at": comment.created_at,
    }


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


@router.post(
    "/boards/{board_id}/cards",
    response={201: CardOut},
    summary="Créer une carte",
    description=(
        "À la fin de la colonne indiquée (une colonne de ce tableau). Les personnes sont des membres de "
        "l'équipe du projet (prévenues comme sur la page de la carte), les étiquettes celles du tableau."
    ),
)
def card_create(request, board_id: int, payload: CardCreateIn):
    board, access = _access(access_board, request.auth, board_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()  # a reader may not write: answered like a missing board
    _texts(payload.title, payload.description, payload.assignees, payload.labels)
    column = Column.objects.filter(pk=payload.column).first()
    if column is None:
        raise HttpError(400, _("Cette colonne n'existe pas."))
    assignees = _members_by_username(board.workspace_id, payload.assignees)
    labels = _labels_by_name(board, payload.labels)
    try:
        card = actions.card_create(
            board=board,
            column=column,
            title=payload.title,
            description=payload.description,
            start_date=payload.start_date,
            due_date=payload.due_date,
            assignees=assignees,
            labels=labels,
            actor=request.auth,
        )
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(201, _card_out(card))


@router.get("/cards/{card_id}", response=CardDetail, summary="Une carte, avec sa liste et son jalon")
def card(request, card_id: int):
    card, _access_ = _access(access_card, request.auth, card_id, need="read")
    return {
        **_card_out(card),
        "milestone": card.milestone_id,
        "checklist": [_item_out(i) for i in card.checklist.all()],
        "comments": card.comments.count(),
    }


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
    _texts(payload.title, payload.description)
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
        return _conflict(conflict.current)
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(200, _card_out(card))


@router.put(
    "/cards/{card_id}/assignees",
    response={200: CardOut, 409: ConflictOut},
    summary="Confier une carte : la liste complète des personnes",
    description=(
        "Remplace les personnes de la carte par celles indiquées (membres de l'équipe du projet ; une liste "
        "vide retire tout le monde). Les nouvelles personnes sont prévenues. Envoyez la `version` lue avec "
        "la carte : 409 avec la carte actuelle si elle a changé depuis."
    ),
)
def card_assignees(request, card_id: int, payload: AssigneesIn):
    card, access = _access(access_card, request.auth, card_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()
    _texts(payload.assignees)
    assignees = _members_by_username(card.board.workspace_id, payload.assignees)
    try:
        card = actions.card_edit(
            card=card,
            version=payload.version,
            actor=request.auth,
            title=card.title,
            description=card.description,
            start_date=card.start_date,
            due_date=card.due_date,
            assignees=assignees,
            labels=list(card.labels.all()),
        )
    except actions.CardConflict as conflict:
        return _conflict(conflict.current)
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(200, _card_out(card))


@router.get("/cards/{card_id}/comments", response=list[CommentOut], summary="Les commentaires d'une carte")
def comments(request, card_id: int):
    card, _access_ = _access(access_card, request.auth, card_id, need="read")
    return [_comment_out(c) for c in card.comments.select_related("author")]


@router.post(
    "/cards/{card_id}/comments",
    response={201: CommentOut},
    summary="Commenter une carte",
    description="Réservé à l'équipe du projet. « @identifiant » prévient le membre de l'équipe nommé.",
)
def comment_add(request, card_id: int, payload: CommentIn):
    card, access = _access(access_card, request.auth, card_id, need="read")
    if not access.abilities["comment"]:
        raise _not_found()
    _texts(payload.text)
    try:
        comment = actions.comment_add(card=card, author=request.auth, text=payload.text)
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(201, _comment_out(comment))


@router.post(
    "/cards/{card_id}/checklist",
    response={201: ChecklistItemOut},
    summary="Ajouter un élément à la liste d'une carte",
)
def checklist_add(request, card_id: int, payload: ChecklistAddIn):
    card, access = _access(access_card, request.auth, card_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()
    _texts(payload.text)
    try:
        item = actions.checklist_add(card=card, text=payload.text, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(201, _item_out(item))


@router.patch(
    "/cards/{card_id}/checklist/{item_id}",
    response=ChecklistItemOut,
    summary="Cocher ou décocher un élément de la liste d'une carte",
)
def checklist_set(request, card_id: int, item_id: int, payload: ChecklistSetIn):
    card, access = _access(access_card, request.auth, card_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()
    item = ChecklistItem.objects.filter(card=card, pk=parse_id(item_id, param="id")).first()
    if item is None:
        raise _not_found()
    item.card = card
    try:
        item = actions.checklist_toggle(item=item, done=payload.done, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return _item_out(item)


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
        raise _bad(exc) from None
    card.refresh_from_db()
    return _card_out(card)


# --- Labels, archive, delete, columns ----------------------------------------------------------------------


class LabelOut(Schema):
    id: int
    name: str


class NameIn(StrictIn):
    name: str = Field(..., max_length=10000)


class LabelsIn(StrictIn):
    version: int = _version()
    labels: list[str] = Field(
        ..., max_length=40, description="Noms d'étiquettes de ce tableau (liste complète)."
    )


class ColumnRef(Schema):
    id: int
    name: str
    position: int


class ColumnPlaceIn(StrictIn):
    position: int = Field(..., ge=0, le=1000, description="La nouvelle place (0 : la première).")


def _writable_card(request, card_id, need="edit"):
    card, access = _access(access_card, request.auth, card_id, need="read")
    if not access.abilities[need]:
        raise _not_found()  # a reader's (or a contributeur's, for a responsable's action) write: like missing
    return card, access


def _managed_column(request, column_id):
    """A column of a board the caller manages (responsable); 404 for anyone else, missing alike."""
    column = Column.objects.filter(pk=parse_id(column_id, param="id")).first()
    if column is None:
        raise _not_found()
    board, access = _access(access_board, request.auth, column.board_id, need="read")
    if not access.abilities["manage"]:
        raise _not_found()
    column.board = board
    return column


def _columns_out(board) -> list[dict]:
    return [
        {"id": c.pk, "name": c.name, "position": c.position} for c in board.columns.order_by("position", "pk")
    ]


@router.get("/boards/{board_id}/labels", response=list[LabelOut], summary="Les étiquettes d'un tableau")
def labels(request, board_id: int):
    board, _access_ = _access(access_board, request.auth, board_id, need="read")
    return [{"id": lb.pk, "name": lb.name} for lb in board.labels.order_by("name", "pk")]


@router.post(
    "/boards/{board_id}/labels",
    response={200: LabelOut, 201: LabelOut},
    summary="Créer une étiquette sur un tableau",
    description="Contributeurs et responsables. Une étiquette du même nom existe déjà : 200 avec elle.",
)
def label_create(request, board_id: int, payload: NameIn):
    board, access = _access(access_board, request.auth, board_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()
    _texts(payload.name)
    existed = Label.objects.filter(board=board, name=" ".join(payload.name.split())).exists()
    try:
        label = actions.label_create(board=board, name=payload.name, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(200 if existed else 201, {"id": label.pk, "name": label.name})


@router.put(
    "/cards/{card_id}/labels",
    response={200: CardOut, 409: ConflictOut},
    summary="Étiqueter une carte : la liste complète des étiquettes",
    description=(
        "Remplace les étiquettes de la carte par celles indiquées (des étiquettes de son tableau ; une liste "
        "vide les retire toutes). Envoyez la `version` lue avec la carte : 409 avec la carte actuelle si "
        "elle a changé depuis."
    ),
)
def card_labels(request, card_id: int, payload: LabelsIn):
    card, _access_ = _writable_card(request, card_id)
    _texts(payload.labels)
    labels = _labels_by_name(card.board, payload.labels)
    try:
        card = actions.card_labels_set(card=card, version=payload.version, labels=labels, actor=request.auth)
    except actions.CardConflict as conflict:
        return _conflict(conflict.current)
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(200, _card_out(card))


def _archive(request, card_id, archived: bool):
    card, _access_ = _writable_card(request, card_id)
    try:
        actions.card_archive(card=card, actor=request.auth, archived=archived)
    except ValidationError as exc:
        raise _bad(exc) from None
    card.refresh_from_db()
    return _card_out(card)


@router.post("/cards/{card_id}/archive", response=CardOut, summary="Archiver une carte")
def card_archive(request, card_id: int):
    return _archive(request, card_id, True)


@router.post("/cards/{card_id}/unarchive", response=CardOut, summary="Rétablir une carte archivée")
def card_unarchive(request, card_id: int):
    return _archive(request, card_id, False)


@router.delete(
    "/cards/{card_id}",
    response={204: None},
    summary="Supprimer une carte",
    description=(
        "Réservé aux responsables du projet (les contributeurs archivent). Sa liste, ses commentaires et ses "
        "liens partent avec elle ; les documents restent dans l'espace documentaire."
    ),
)
def card_delete(request, card_id: int):
    card, _access_ = _writable_card(request, card_id, need="manage")
    try:
        actions.card_delete(card=card, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return HttpResponse(status=204)


@router.post(
    "/boards/{board_id}/columns",
    response={201: list[ColumnRef]},
    summary="Ajouter une colonne à la fin d'un tableau",
    description=(
        "Contributeurs et responsables, comme sur la page du tableau. Réponse : les colonnes dans l'ordre."
    ),
)
def column_create(request, board_id: int, payload: NameIn):
    board, access = _access(access_board, request.auth, board_id, need="read")
    if not access.abilities["edit"]:
        raise _not_found()
    _texts(payload.name)
    try:
        actions.column_create(board=board, name=payload.name, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(201, _columns_out(board))


@router.patch(
    "/columns/{column_id}",
    response=list[ColumnRef],
    summary="Renommer une colonne",
    description="Responsables du projet, comme la page de modification du tableau.",
)
def column_rename(request, column_id: int, payload: NameIn):
    column = _managed_column(request, column_id)
    _texts(payload.name)
    try:
        editing.column_rename(column=column, name=payload.name, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return _columns_out(column.board)


@router.post(
    "/columns/{column_id}/move",
    response=list[ColumnRef],
    summary="Changer la place d'une colonne",
    description="Responsables du projet. Les places sont renumérotées 0, 1, 2… ; réponse : les colonnes.",
)
def column_move(request, column_id: int, payload: ColumnPlaceIn):
    column = _managed_column(request, column_id)
    try:
        editing.column_place(column=column, position=payload.position, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return _columns_out(column.board)


@router.delete(
    "/columns/{column_id}",
    response={204: None},
    summary="Supprimer une colonne vide",
    description=(
        "Responsables du projet. Une colonne qui contient des cartes (archivées comprises) ou la dernière "
        "colonne du tableau est refusée (400)."
    ),
)
def column_delete(request, column_id: int):
    column = _managed_column(request, column_id)
    try:
        editing.column_delete(column=column, actor=request.auth)
    except ValidationError as exc:
        raise _bad(exc) from None
    return HttpResponse(status=204)
