"""The parapheur's pages: « À viser / à signer », « Mes dossiers en circuit », late circuits, a circuit with
its decisions, submission from a document, delegations, and the bordereau PDF. Thin: validate, call one
action or query, render; every refusal a French message, missing and forbidden alike 404."""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intranet.audit.actions import audit_record
from intranet.params import BadParameter, parse_id

from ..permissions import access_document
from ..views.common import error_text
from . import actions, queries
from .bordereau import bordereau_filename, bordereau_pdf
from .choices import Visibility
from .models import Delegation, Desk
from .permissions import access_circuit, desk_ids_for


@require_GET
def todo(request):
    return render(request, "circuits/todo.html", {"steps": queries.steps_to_act(request.user), "tab": "todo"})


@require_GET
def mine(request):
    return render(
        request, "circuits/mine.html", {"circuits": queries.my_circuits(request.user), "tab": "mine"}
    )


@require_GET
def late(request):
    return render(request, "circuits/late.html", {"steps": queries.late_steps(request.user), "tab": "late"})


@require_GET
def circuit(request, pk):
    circuit, ctx = access_circuit(request.user, pk)
    steps, _actions = queries.circuit_log(circuit, request.user, ctx["desk_ids"])
    return render(
        request,
        "circuits/circuit.html",
        {"circuit": circuit, "steps": steps, **ctx, "visibilities": Visibility.choices},
    )


@require_POST
def act(request, pk):
    circuit, ctx = access_circuit(request.user, pk)
    if not ctx["abilities"]["annotate"]:
        raise Http404
    decision = request.POST.get("decision", "")
    text = request.POST.get("text", "")
    try:
        if decision == "approve":
            actions.step_approve(circuit=circuit, actor=request.user, text=text, request=request)
            messages.success(request, _("Votre décision est enregistrée."))
        elif decision == "reject":
            actions.step_reject(circuit=circuit, actor=request.user, reason=text, request=request)
            messages.success(request, _("Le document est rejeté et renvoyé à la personne qui l'a déposé."))
        elif decision == "annotate":
            visibility = request.POST.get("visibility", Visibility.PUBLIC)
            actions.circuit_annotate(
                circuit=circuit, actor=request.user, text=text, visibility=visibility, request=request
            )
            messages.success(request, _("Votre annotation est enregistrée."))
        else:
            messages.error(request, _("Choisissez une décision : approuver, rejeter ou annoter."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("circuits:circuit", pk=circuit.pk)


@require_http_methods(["GET", "POST"])
def submit(request, document_pk):
    access = access_document(request.user, document_pk)
    document = access.document
    # The templates for the document's type come first (preselected), the others after: a document typed
    # wrongly, or a circuit the template's type does not name, may still be submitted.
    fitting, others, type_label = queries.templates_for(document)
    templates = fitting + others
    error = ""
    if request.method == "POST":
        template = None
        try:
            template = next(
                (t for t in templates if t.pk == parse_id(request.POST.get("template", ""))), None
            )
        except BadParameter:
            template = None
        if template is None:
            error = _("Choisissez un modèle de circuit dans la liste.")
        elif document.current_version is None:
            error = _("Ce document n'a pas encore de version : déposez un fichier avant de le soumettre.")
        else:
            try:
                created = actions.circuit_submit(
                    document=document,
                    version=document.current_version,
                    template=template,
                    submitter=request.user,
                    message=request.POST.get("message", ""),
                    request=request,
                )
            except ValidationError as exc:
                error = error_text(exc)
            else:
                messages.success(
                    request, _("Le document est soumis au circuit « %(n)s ».") % {"n": created.name}
                )
                return redirect("circuits:circuit", pk=created.pk)
    return render(
        request,
        "circuits/submit.html",
        {
            "document": document,
            "templates": templates,
            "fitting": fitting,
            "others": others,
            "type_label": type_label,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_GET
def bordereau(request, pk):
    circuit, ctx = access_circuit(request.user, pk)
    if not ctx["abilities"]["bordereau"]:
        raise Http404
    data = bordereau_pdf(circuit)
    audit_record(action="circuits.bordereau", request=request, obj=circuit)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{bordereau_filename(circuit)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _text(request, name: str, limit: int) -> str:
    """A POSTed text without NUL (PostgreSQL refuses it in a lookup: a 500), trimmed and capped."""
    return (request.POST.get(name) or "").replace("\x00", "").strip()[:limit]


def _date(value: str):
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
def delegations(request):
    user = request.user
    my_desks = list(Desk.objects.filter(members=user).order_by("name"))
    error = ""
    if request.method == "POST":
        target = request.POST.get("target", "")
        deputy = get_user_model().objects.filter(username=_text(request, "deputy", 150)).first()
        desk = None
        if target.startswith("desk-"):
            desk = next((d for d in my_desks if str(d.pk) == target[5:]), None)
            if desk is None:
                error = _("Choisissez un de vos bureaux, ou vos propres circuits.")
        if not error and deputy is None:
            error = _("Aucun agent n'a cet identifiant : saisissez l'identifiant du suppléant (prénom.nom).")
        if not error:
            try:
                actions.delegation_create(
                    actor=user,
                    deputy=deputy,
                    start=_date(request.POST.get("start")),
                    end=_date(request.POST.get("end")),
                    desk=desk,
                    person=None if desk else user,
                )
            except ValidationError as exc:
                error = error_text(exc)
            else:
                messages.success(request, _("La délégation est enregistrée."))
                return redirect("circuits:delegations")
    given = list(
        Delegation.objects.filter(revoked_at__isnull=True, end__gte=timezone.localdate())
        .filter(created_by=user)
        .select_related("desk", "person", "deputy")
    )
    received = list(
        Delegation.objects.filter(
            revoked_at__isnull=True, end__gte=timezone.localdate(), deputy=user
        ).select_related("desk", "person")
    )
    return render(
        request,
        "circuits/delegations.html",
        {
            "my_desks": my_desks,
            "given": given,
            "received": received,
            "error": error,
            "form": request.POST if error else {},
            "today": timezone.localdate(),
            "tab": "delegations",
        },
        status=400 if error else 200,
    )


@require_POST
def delegation_revoke(request, pk):
    try:
        delegation = Delegation.objects.select_related("desk").get(pk=parse_id(pk))
    except (Delegation.DoesNotExist, BadParameter):
        raise Http404 from None
    user = request.user
    concerned = user.pk in {delegation.created_by_id, delegation.person_id, delegation.deputy_id} or (
        delegation.desk_id and delegation.desk_id in desk_ids_for(user)
    )
    if not concerned:
        raise Http404
    try:
        actions.delegation_revoke(delegation=delegation, actor=user)
        messages.success(request, _("La délégation est révoquée."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("circuits:delegations")
