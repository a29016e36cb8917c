"""The /archives/ pages: rules, holds, a document's type and holds, due documents with destruction lists
(propose, visa, execution, slip) and transfers to the archives. Thin: validate, call one action or query,
render; refusals are French messages, missing and forbidden alike 404."""

import itertools
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intranet.audit.actions import audit_record
from intranet.audit.choices import Result
from intranet.params import parse_date, parse_id

from ..views.common import error_text
from . import actions, queries
from .choices import FinalDisposition, ListStatus
from .models import RetentionRule
from .permissions import (
    access_folder_default,
    access_hold,
    access_list,
    access_record_document,
    is_approver,
    is_archivist,
)
from .seda import document_items, stream_transfer
from .seda.rules import retention_lookups

logger = logging.getLogger(__name__)


def _roles(request) -> dict:
    return {"archivist": is_archivist(request.user), "approver": is_approver(request.user)}


@require_GET
def index(request):
    roles = _roles(request)
    ctx = {**roles, "tab": "index"}
    if roles["archivist"] or roles["approver"]:
        ctx["due_destroy"] = list(queries.due_records(FinalDisposition.DESTROY))
        ctx["due_sort"] = list(queries.due_records(FinalDisposition.SORT))
        ctx["lists"] = list(queries.destruction_lists())
    return render(request, "retention/index.html", ctx)


@require_GET
def rules(request):
    roles = _roles(request)
    defaults = list(queries.folder_defaults()) if roles["archivist"] else []
    return render(
        request,
        "retention/rules.html",
        {**roles, "rules": queries.rules(), "folder_defaults": defaults, "tab": "rules"},
    )


@require_POST
def folder_default_remove(request, pk):
    found = access_folder_default(request.user, pk)
    actions.folder_rule_set(folder=found.folder, rule=None, actor=request.user)
    messages.success(
        request,
        _("Le dossier « %(name)s » n'a plus de type par défaut.") % {"name": found.folder.name},
    )
    return redirect("retention:rules")


@require_GET
def holds(request):
    roles = _roles(request)
    return render(
        request,
        "retention/holds.html",
        {**roles, "holds": list(queries.holds(request.user, archivist=roles["archivist"])), "tab": "holds"},
    )


@require_GET
def document_page(request, pk):
    document, abilities = access_record_document(request.user, pk)
    record, holds_ = queries.document_retention(document.pk)
    default = actions.folder_default(document.folder)
    return render(
        request,
        "retention/document.html",
        {
            **_roles(request),
            "document": document,
            "record": record,
            "folder_default": default,
            "holds": holds_,
            "abilities": abilities,
            "rules": queries.rules() if abilities["classify"] else [],
            "today": timezone.localdate(),
        },
    )


@require_POST
def classify(request, pk):
    document, abilities = access_record_document(request.user, pk, need="classify")
    as_default = request.POST.get("folder_default") == "1" and abilities["folder_default"]
    try:
        try:
            rule = RetentionRule.objects.get(pk=parse_id(request.POST.get("rule"), param="rule"), active=True)
        except RetentionRule.DoesNotExist:
            raise ValidationError(
                _("Cette règle de gestion n'existe pas : choisissez-en une dans la liste.")
            ) from None
        event_date = parse_date(request.POST.get("event_date"), param="event_date")
        if event_date is None:
            raise ValidationError(_("Indiquez la date de l'événement de départ (AAAA-MM-JJ)."))
        with transaction.atomic():
            actions.record_set(document=document, rule=rule, event_date=event_date, actor=request.user)
            if as_default:
                actions.folder_rule_set(folder=document.folder, rule=rule, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Le type du document et son échéance sont enregistrés."))
        if as_default:
            messages.success(
                request,
                _("Les nouveaux documents du dossier « %(name)s » recevront ce type.")
                % {"name": document.folder.name},
            )
    return redirect("retention:document", pk=document.pk)


@require_POST
def hold_place(request, pk):
    document, _abilities = access_record_document(request.user, pk, need="hold")
    try:
        start = parse_date(request.POST.get("start_date"), default=timezone.localdate(), param="start_date")
        end = parse_date(request.POST.get("end_date"), param="end_date")
        actions.hold_place(
            document=document,
            reason=request.POST.get("reason", ""),
            owner=request.user,
            start_date=start,
            end_date=end,
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Le document est gelé : il ne peut plus être supprimé ni éliminé."))
    return redirect("retention:document", pk=document.pk)


@require_POST
def hold_release(request, pk):
    hold = access_hold(request.user, pk)
    try:
        actions.hold_release(hold=hold, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Le gel est levé."))
    if hold.document.trashed_at is None:
        return redirect("retention:document", pk=hold.document_id)
    return redirect("retention:holds")


@require_POST
def propose(request):
    if not is_archivist(request.user):
        raise Http404
    try:
        dlist = actions.destruction_propose(
            actor=request.user,
            include_sort=request.POST.get("include_sort") == "1",
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("retention:index")
    messages.success(
        request, _("La liste d'élimination est proposée : elle attend le visa d'une autre personne.")
    )
    return redirect("retention:list", pk=dlist.pk)


@require_GET
def destruction_list(request, pk):
    dlist = queries.list_with_items(access_list(request.user, pk))
    roles = _roles(request)
    abilities = {
        "approve": roles["approver"]
        and dlist.status == ListStatus.PROPOSED
        and dlist.proposed_by_id != request.user.pk,
        "execute": roles["archivist"] and dlist.status == ListStatus.APPROVED,
        "cancel": dlist.status in (ListStatus.PROPOSED, ListStatus.APPROVED),
        "slip": dlist.status == ListStatus.EXECUTED,
    }
    return render(
        request, "retention/list.html", {**roles, "dlist": dlist, "abilities": abilities, "tab": "index"}
    )


def _list_step(request, pk, action, done: str):
    dlist = access_list(request.user, pk)
    try:
        action(dlist=dlist, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    return redirect("retention:list", pk=dlist.pk)


@require_POST
def approve(request, pk):
    return _list_step(
        request, pk, actions.destruction_approve, _("La liste est visée : l'archiviste peut l'exécuter.")
    )


@require_POST
def execute(request, pk):
    return _list_step(
        request,
        pk,
        actions.destruction_execute,
        _("La liste est exécutée : le bordereau d'élimination est prêt."),
    )


@require_POST
def cancel(request, pk):
    return _list_step(request, pk, actions.destruction_cancel, _("La liste est abandonnée."))


@require_GET
def slip(request, pk):
    dlist = access_list(request.user, pk)
    if dlist.status != ListStatus.EXECUTED or not dlist.slip_pdf:
        raise Http404
    audit_record(action="retention.slip.download", actor=request.user, request=request, obj=dlist)
    response = HttpResponse(bytes(dlist.slip_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bordereau-elimination-{dlist.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def transfers(request):
    if not is_archivist(request.user):
        raise Http404
    records = list(queries.transfer_documents()[: queries.LIMIT])
    return render(
        request, "retention/transfers.html", {**_roles(request), "records": records, "tab": "transfers"}
    )


@require_GET
def transfer_export(request):
    """The SEDA package of the documents to keep whose DUA passed, built as `manage.py seda_export` builds it
    (rules and legal holds from `retention_lookups`), its manifest validated against the SEDA 2.2 schema
    before the first byte leaves: a manifest that does not conform is a French error page, not a zip the
    archives would refuse."""
    if not is_archivist(request.user):
        raise Http404
    ids = list(queries.transfer_documents().values_list("document_id", flat=True))
    if not ids:
        messages.error(request, _("Aucun document à verser : aucune échéance de règle « C » n'est passée."))
        return redirect("retention:transfers")
    rule_for, hold_for = retention_lookups(ids)
    items = document_items(ids, rule_for, hold_for=hold_for)
    message_id = f"versement-{timezone.now():%Y%m%d%H%M%S}"
    chunks = stream_transfer(
        items,
        message_id=message_id,
        comment=_("Versement de %(n)s documents à conserver") % {"n": len(items)},
        archival_agency=getattr(settings, "RETENTION_ARCHIVAL_AGENCY", "") or "FRAD059",
        transferring_agency=getattr(settings, "RETENTION_TRANSFERRING_AGENCY", "") or "CCFI",
        validate=True,
    )
    audit = {
        "action": "retention.transfer.export",
        "actor": request.user,
        "request": request,
        "object_type": "ged_retention.transfer",
        "object_id": message_id,
    }
    try:
        first = next(chunks)  # the manifest, validated before it is yielded
    except ValueError as exc:  # xmlschema's XMLSchemaValidationError
        logger.error("SEDA manifest %s does not validate: %s", message_id, exc)
        audit_record(**audit, result=Result.FAILURE, extra={"reason": str(exc)[:500]})
        return render(
            request,
            "retention/transfer_error.html",
            {**_roles(request), "detail": getattr(exc, "reason", "") or str(exc)[:300], "tab": "transfers"},
            # Never a 500 (house rule): these documents cannot be transferred as they are; nothing was sent.
            status=409,
        )
    audit_record(**audit, extra={"documents": [item.document_id for item in items][:1000]})
    response = StreamingHttpResponse(itertools.chain([first], chunks), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{message_id}.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
