"""« Qui a accès, et pourquoi ? »: the explanation, the sharing form with its preview, restriction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..actions import folder_restrict, grant_revoke, grant_set
from ..forms import GrantForm, RevokeForm
from ..permissions import access_document, access_folder
from ..queries import explain_access, grant_choices, preview_change
from .common import error_text


def _render(request, access, *, document=None, form=None, status=200):
    explanation = explain_access(access.folder, access.chain, access.space)
    context = {
        "access": access,
        "space": access.space,
        "folder": access.folder,
        "document": document,
        "explanation": explanation,
        "abilities": access.abilities,
    }
    if access.abilities["share"] and document is None:
        users, groups = grant_choices()
        context["form"] = form or GrantForm(users=users, groups=groups)
    return render(request, "ged/access.html", context, status=status)


@require_GET
def folder_access_view(request, pk):
    access = access_folder(request.user, pk, need="view_access")
    return _render(request, access)


@require_GET
def document_access_view(request, pk):
    doc_access = access_document(request.user, pk, need="view_access")
    return _render(request, doc_access.folder_access, document=doc_access.document)


@require_POST
def grant(request, pk):
    access = access_folder(request.user, pk, need="share")
    users, groups = grant_choices()
    form = GrantForm(request.POST, users=users, groups=groups)
    if not form.is_valid():
        return _render(request, access, form=form, status=400)
    kind, principal = form.cleaned_data["principal"]
    try:
        grant_set(
            folder=access.folder,
            role=form.cleaned_data["role"],
            actor=request.user,
            request=request,
            **{kind: principal},
        )
    except ValidationError as exc:
        form.add_error(None, error_text(exc))
        return _render(request, access, form=form, status=400)
    messages.success(request, _("L'accès est enregistré."))
    return redirect("ged:folder_access", pk=pk)


@require_POST
def preview(request, pk):
    """htmx: what the pending change would do, before saving it."""
    access = access_folder(request.user, pk, need="share")
    change = request.POST.get("change", "grant")
    kwargs = {}
    if change in {"grant", "revoke"}:
        users, groups = grant_choices() if change == "grant" else ((), ())
        form = (
            GrantForm(request.POST, users=users, groups=groups)
            if change == "grant"
            else RevokeForm(request.POST)
        )
        if not form.is_valid():
            return render(request, "ged/_preview.html", {"invalid": True})
        kind, principal = form.cleaned_data["principal"]
        kwargs = {kind: principal, "role": form.cleaned_data.get("role")}
    elif change not in {"restrict", "unrestrict"}:
        raise Http404
    result = preview_change(access.folder, access.chain, access.space, change=change, **kwargs)
    return render(request, "ged/_preview.html", {"preview": result, "change": change})


@require_POST
def revoke(request, pk):
    access = access_folder(request.user, pk, need="share")
    form = RevokeForm(request.POST)
    if form.is_valid():
        kind, principal = form.cleaned_data["principal"]
        try:
            grant_revoke(folder=access.folder, actor=request.user, request=request, **{kind: principal})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("L'accès est retiré."))
    return redirect("ged:folder_access", pk=pk)


@require_POST
def restrict(request, pk):
    access = access_folder(request.user, pk, need="restrict")
    wanted = request.POST.get("restricted") == "1"
    try:
        folder_restrict(folder=access.folder, restricted=wanted, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Ce dossier ne reçoit plus les droits des dossiers parents.")
            if wanted
            else _("Ce dossier reçoit de nouveau les droits des dossiers parents."),
        )
    return redirect("ged:folder_access", pk=pk)
