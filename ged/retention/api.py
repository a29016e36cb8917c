"""/api/v1/retention/: rules, a document's type, legal holds, destruction lists. The same actions and
permission functions as the /archives/ pages; refusals are `{"detail": "…"}` in French, forbidden and missing
alike 404, a held document's removal 409."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from intranet.api_schema import Error, ObjectId, StrictIn
from intranet.params import check_date

from .. import removal_hooks
from ..models import Document
from ..views.common import error_text
from . import actions, queries
from .models import DestructionList, LegalHold, RetentionRule
from .permissions import access_hold, access_list, access_record_document, is_approver, is_archivist, may_hold

router = Router(tags=["Archivage"])


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Http404:
        raise HttpError(404, _("Introuvable.")) from None


class RuleOut(Schema):
    id: int
    code: str
    label: str
    dua_years: int
    start_event: str
    start_event_label: str
    final_disposition: str
    communicability: str
    notes: str
    example: bool


def _rule_out(rule: RetentionRule) -> RuleOut:
    return RuleOut(
        id=rule.pk,
        code=rule.code,
        label=rule.label,
        dua_years=rule.dua_years,
        start_event=rule.start_event,
        start_event_label=str(rule.get_start_event_display()),
        final_disposition=rule.final_disposition,
        communicability=rule.communicability,
        notes=rule.notes,
        example=rule.example,
    )


@router.get("/rules", response=list[RuleOut], summary="Règles de gestion (types de documents)")
def rules(request):
    return [_rule_out(r) for r in queries.rules()]


class RecordOut(Schema):
    document: int
    rule: RuleOut | None
    event_date: date | None
    due_date: date | None
    provisional: bool = Field(
        False, description="Type reçu du dossier, date de l'événement de départ à confirmer."
    )
    held: bool
    abilities: dict[str, bool]


class RecordIn(StrictIn):
    rule: str = Field(..., max_length=30, description="Code de la règle de gestion.")
    event_date: date


def _record_out(document, abilities) -> RecordOut:
    record, holds = queries.document_retention(document.pk)
    return RecordOut(
        document=document.pk,
        rule=_rule_out(record.rule) if record else None,
        event_date=record.event_date if record else None,
        due_date=record.due_date if record else None,
        provisional=record.provisional if record else False,
        held=any(h.is_active for h in holds),
        abilities=abilities,
    )


@router.get(
    "/documents/{document_id}",
    response={200: RecordOut, 404: Error},
    summary="Type, échéance et gel d'un document",
)
def record_get(request, document_id: ObjectId):
    document, abilities = _guard(access_record_document, request.user, document_id)
    return 200, _record_out(document, abilities)


@router.put(
    "/documents/{document_id}",
    response={200: RecordOut, 400: Error, 404: Error},
    summary="Qualifier un document (règle et date de l'événement de départ)",
)
def record_set(request, document_id: ObjectId, payload: RecordIn):
    document, abilities = _guard(access_record_document, request.user, document_id, need="classify")
    try:
        check_date(payload.event_date, param="event_date")
        rule = RetentionRule.objects.filter(code=actions.clean_text(payload.rule), active=True).first()
        if rule is None:
            raise ValidationError(_("Cette règle de gestion n'existe pas : choisissez-en une dans la liste."))
        actions.record_set(document=document, rule=rule, event_date=payload.event_date, actor=request.user)
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 200, _record_out(document, abilities)


class HoldOut(Schema):
    id: int
    document: int
    document_title: str
    reason: str
    owner: str
    start_date: date
    end_date: date | None
    released_at: datetime | None


def _hold_out(hold: LegalHold) -> HoldOut:
    return HoldOut(
        id=hold.pk,
        document=hold.document_id,
        document_title=hold.document.title,
        reason=hold.reason,
        owner=hold.owner.get_full_name() or hold.owner.get_username(),
        start_date=hold.start_date,
        end_date=hold.end_date,
        released_at=hold.released_at,
    )


class HoldIn(StrictIn):
    document: int = Field(..., ge=1, le=2**63 - 1)
    reason: str = Field(..., max_length=500)
    start_date: date | None = None
    end_date: date | None = None


@router.get(
    "/holds", response=list[HoldOut], summary="Gels en cours (tous pour l'archiviste, les siens sinon)"
)
def holds(request):
    return [_hold_out(h) for h in queries.holds(request.user, archivist=is_archivist(request.user))]


@router.post(
    "/holds",
    response={201: HoldOut, 400: Error, 404: Error},
    summary="Geler un document",
    description="Archiviste ou gestionnaire de l'espace ; un document de la corbeille est refusé (400).",
)
def hold_create(request, payload: HoldIn):
    try:
        document, _abilities = access_record_document(request.user, payload.document, need="hold")
    except Http404:
        # A trashed document is not found by the live lookup: say why when the agent may hold it there.
        trashed = Document.objects.trashed().filter(pk=payload.document).first()
        if trashed is not None and may_hold(request.user, trashed):
            return 400, {"detail": actions.trashed_hold_message()}
        raise HttpError(404, _("Introuvable.")) from None
    try:
        for value, name in ((payload.start_date, "start_date"), (payload.end_date, "end_date")):
            if value is not None:
                check_date(value, param=name)
        hold = actions.hold_place(
            document=document,
            reason=payload.reason,
            owner=request.user,
            start_date=payload.start_date,
            end_date=payload.end_date,
            actor=request.user,
        )
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 201, _hold_out(hold)


@router.post(
    "/holds/{hold_id}/release",
    response={200: HoldOut, 400: Error, 404: Error},
    summary="Lever un gel",
)
def hold_release(request, hold_id: ObjectId):
    hold = _guard(access_hold, request.user, hold_id)
    try:
        hold = actions.hold_release(hold=hold, actor=request.user)
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 200, _hold_out(LegalHold.objects.select_related("document", "owner").get(pk=hold.pk))


class ItemOut(Schema):
    document: int
    title: str
    rule_code: str
    event_date: date
    due_date: date
    sha256: str
    destroyed_at: datetime | None


class ListOut(Schema):
    id: int
    status: str
    status_label: str
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    executed_at: datetime | None
    slip_url: str | None
    items: list[ItemOut]


def _name(user):
    return (user.get_full_name() or user.get_username()) if user else None


def _list_out(dlist: DestructionList) -> ListOut:
    return ListOut(
        id=dlist.pk,
        status=dlist.status,
        status_label=str(dlist.get_status_display()),
        proposed_by=_name(dlist.proposed_by),
        proposed_at=dlist.proposed_at,
        approved_by=_name(dlist.approved_by),
        executed_at=dlist.executed_at,
        slip_url=reverse("retention:slip", args=[dlist.pk]) if dlist.status == "executed" else None,
        items=[
            ItemOut(
                document=i.document_ref,
                title=i.title,
                rule_code=i.rule_code,
                event_date=i.event_date,
                due_date=i.due_date,
                sha256=i.sha256,
                destroyed_at=i.destroyed_at,
            )
            for i in dlist.items.all()
        ],
    )


def _require_role(request):
    if not (is_archivist(request.user) or is_approver(request.user)):
        raise HttpError(404, _("Introuvable."))


@router.get(
    "/destruction-lists",
    response={200: list[ListOut], 404: Error},
    summary="Listes d'élimination (archiviste et visa)",
)
def lists(request):
    _require_role(request)
    rows = (
        DestructionList.objects.select_related("proposed_by", "approved_by")
        .prefetch_related("items")
        .order_by("-proposed_at", "-pk")[:50]
    )
    return 200, [_list_out(d) for d in rows]


class ProposeIn(StrictIn):
    include_sort: bool = False
    note: str = Field("", max_length=500)


@router.post(
    "/destruction-lists",
    response={201: ListOut, 400: Error, 404: Error},
    summary="Proposer une liste d'élimination (archiviste)",
)
def propose(request, payload: ProposeIn):
    if not is_archivist(request.user):
        raise HttpError(404, _("Introuvable."))
    try:
        dlist = actions.destruction_propose(
            actor=request.user, include_sort=payload.include_sort, note=payload.note
        )
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 201, _list_out(dlist)


def _step(request, list_id, action):
    dlist = _guard(access_list, request.user, list_id)
    try:
        dlist = action(dlist=dlist, actor=request.user)
    except removal_hooks.RemovalRefused as exc:
        return 409, {"detail": error_text(exc)}
    except ValidationError as exc:
        return 400, {"detail": error_text(exc)}
    return 200, _list_out(dlist)


@router.post(
    "/destruction-lists/{list_id}/approve",
    response={200: ListOut, 400: Error, 404: Error},
    summary="Viser une liste d'élimination (second rôle, pas le proposant)",
)
def approve(request, list_id: ObjectId):
    return _step(request, list_id, actions.destruction_approve)


@router.post(
    "/destruction-lists/{list_id}/execute",
    response={200: ListOut, 400: Error, 404: Error, 409: Error},
    summary="Exécuter une liste visée (archiviste)",
    description="409 quand un document de la liste a été gelé depuis : rien n'est détruit.",
)
def execute(request, list_id: ObjectId):
    return _step(request, list_id, actions.destruction_execute)


@router.post(
    "/destruction-lists/{list_id}/cancel",
    response={200: ListOut, 400: Error, 404: Error},
    summary="Abandonner une liste d'élimination",
)
def cancel(request, list_id: ObjectId):
    return _step(request, list_id, actions.destruction_cancel)
