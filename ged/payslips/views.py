"""« Mon coffre agent »: the agent's own payslips (list by year, one download, all as a zip, the safe's
access log); HR's payroll deposit, batch summaries, quarantine and leaver links; the leaver's link page.
Every payslip is fetched through `permissions.own_payslips`: another agent's answers 404 like a missing one,
whoever asks (superusers included)."""

import datetime
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from ged import storage
from ged.uploads import GedUploadHandler, HashedUpload, discard_uploads, stage
from ged.views.common import error_text
from intranet.audit.models import AccessEvent

from . import actions
from .forms import DepositForm, LeaverForm, QuarantineAssignForm
from .models import Batch, LeaverLink, QuarantinePage
from .permissions import access_payslip, own_payslips, require_payroll_manager
from .zips import zip_response

LOG_ROWS = 200


def _pdf_response(request, sha256: str, filename: str, *, inline: bool = False):
    fh = storage.blob_open(sha256)

    def chunks():
        try:
            while data := fh.read(256 * 1024):
                yield data
        finally:
            fh.close()

    response = StreamingHttpResponse(chunks(), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- The agent's safe --------------------------------------------------------------------------------------


@require_GET
def index(request):
    payslips = list(own_payslips(request.user).order_by("-period", "-pk"))
    years = [(year, list(rows)) for year, rows in groupby(payslips, key=lambda p: p.period.year)]
    unseen = {p.pk for p in payslips if p.seen_at is None}
    actions.mark_seen(request.user)
    return render(
        request,
        "payslips/index.html",
        {"years": years, "unseen": unseen, "count": len(payslips), "tab": "safe"},
    )


@require_GET
def download(request, pk):
    payslip = access_payslip(request.user, pk)
    actions.audit_download(request=request, payslips=[payslip])
    return _pdf_response(request, payslip.sha256, f"bulletin-{payslip.period:%Y-%m}.pdf")


@require_GET
def download_all(request):
    payslips = list(own_payslips(request.user).order_by("period", "pk"))
    if not payslips:
        raise Http404
    actions.audit_download(request=request, payslips=payslips, action="payslips.download_all")
    return zip_response(payslips, "bulletins-de-paie.zip")


@require_GET
def log(request):
    events = AccessEvent.objects.filter(
        object_type=actions.SAFE_OBJECT, object_id=str(request.user.pk)
    ).order_by("-created_at", "-pk")[:LOG_ROWS]
    return render(request, "payslips/log.html", {"events": events, "tab": "log"})


# --- HR: deposit, batches, quarantine, leavers ----------------------------------------------------------


@csrf_exempt
def payroll(request):
    if request.method == "POST":
        request.upload_handlers = [GedUploadHandler(request)]
    return _payroll(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _payroll(request):
    try:
        require_payroll_manager(request.user)
    except Http404:
        discard_uploads(request)
        raise
    form = DepositForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        uploads = [f for f in request.FILES.getlist("files") if isinstance(f, HashedUpload)]
        if not form.is_valid() or not uploads:
            discard_uploads(request)
            if not uploads:
                form.add_error(None, _("Choisissez le ou les fichiers PDF de la paie."))
        else:
            staged = []
            try:
                for upload in uploads:
                    staged.append(stage(upload))
                batch = actions.deposit(
                    period=form.cleaned_data["period"], files=staged, by=request.user, request=request
                )
            except ValidationError as exc:
                discard_uploads(request)
                for s in staged:
                    s.discard()
                form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("Paie déposée. Bulletins remis : %(delivered)s ; pages en quarantaine : %(held)s.")
                    % {"delivered": batch.delivered, "held": batch.quarantined},
                )
                return redirect("payslips:batch", pk=batch.pk)
    batches = Batch.objects.select_related("deposited_by")[:50]
    status = 400 if form.errors else 200
    return render(request, "payslips/payroll.html", {"form": form, "batches": batches}, status=status)


@require_GET
def batch(request, pk):
    require_payroll_manager(request.user)
    batch = get_object_or_404(Batch, pk=pk)
    pages = list(batch.quarantine.all())
    return render(request, "payslips/batch.html", {"batch": batch, "pages": pages})


def _page(request, pk) -> QuarantinePage:
    require_payroll_manager(request.user)
    return get_object_or_404(QuarantinePage.objects.select_related("batch"), pk=pk, resolved_at__isnull=True)


@require_GET
def quarantine_view(request, pk):
    page = _page(request, pk)
    return _pdf_response(request, page.blob_id, f"quarantaine-{page.pk}.pdf", inline=True)


@require_http_methods(["GET", "POST"])
def quarantine_page(request, pk):
    page = _page(request, pk)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action", "") == "discard":
                actions.quarantine_discard(page=page, by=request.user)
                messages.success(request, _("La page est écartée."))
                return redirect("payslips:batch", pk=page.batch_id)
            form = QuarantineAssignForm(request.POST)
            if not form.is_valid():  # a NUL or an overlong number never reaches the lookup
                raise ValidationError(next(iter(form.errors.values())))
            number = form.cleaned_data["registration_number"]
            agent = get_user_model().objects.filter(registration_number=number, is_active=True).first()
            if agent is None:
                raise ValidationError(_("Aucun agent actif n'a ce matricule."))
            actions.quarantine_assign(page=page, agent=agent, by=request.user, request=request)
            messages.success(
                request,
                _("La page est remise à %(name)s.") % {"name": agent.get_full_name() or agent.username},
            )
            return redirect("payslips:batch", pk=page.batch_id)
        except ValidationError as exc:
            error = error_text(exc)
    return render(
        request, "payslips/quarantine.html", {"page": page, "error": error}, status=400 if error else 200
    )


@require_http_methods(["GET", "POST"])
def leaver_new(request):
    """A leaver's link. The agent is looked up whatever their account's state so that HR is told why a number
    is refused; `leaver_link_create` refuses an agent in post (the rule lives there, for every caller)."""
    require_payroll_manager(request.user)
    form = LeaverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["registration_number"]
        agent = get_user_model().objects.filter(registration_number=number).first()
        if agent is None:
            form.add_error("registration_number", _("Aucun agent n'a ce matricule."))
        else:
            try:
                actions.leaver_link_create(
                    agent=agent, email=form.cleaned_data["email"], by=request.user, request=request
                )
            except ValidationError as exc:
                form.add_error("registration_number", error_text(exc))
            else:
                messages.success(
                    request, _("Le lien de téléchargement est envoyé à l'adresse personnelle indiquée.")
                )
                return redirect("payslips:leaver_new")
    links = LeaverLink.objects.select_related("agent")[:50]
    return render(
        request,
        "payslips/leaver_new.html",
        {"form": form, "links": links, "days": settings.PAYSLIPS_LEAVER_LINK_DAYS},
        status=400 if form.errors else 200,
    )


# --- A leaver's link (no login: leavers have none) ------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def leaver(request, token):
    try:
        link = actions.leaver_link_open(token)
    except actions.LinkRefused as exc:
        return render(request, "payslips/leaver.html", {"refused": exc.message}, status=410)
    if request.method == "POST":
        try:
            payslips = actions.leaver_link_use(link=link, request=request)
        except actions.LinkRefused as exc:
            return render(request, "payslips/leaver.html", {"refused": exc.message}, status=410)
        if not payslips:
            return HttpResponse(
                _("Aucun bulletin de paie à télécharger."), content_type="text/plain; charset=utf-8"
            )
        return zip_response(payslips, "bulletins-de-paie.zip")
    return render(request, "payslips/leaver.html", {"link": link, "today": datetime.date.today()})
