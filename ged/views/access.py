"""« Qui a accès, et pourquoi ? »: the explanation, the sharing forms (a folder; a single document) with the
agent search by name and the preview, restriction."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..actions import document_share, document_unshare, folder_restrict, grant_revoke, grant_set
from ..choices import ShareRole
from ..forms import GrantForm, RevokeForm
from ..permissions import access_document, access_folder
from ..queries import agents_matching, department_groups, document_shares, explain_access, preview_change
from ..queries.shares import AGENTS_LIMIT
from .common import error_text

AGENT_QUERY_MIN = 2


def _agent_query(request) -> str:
    return " ".join(str(request.GET.get("q", ""))[:100].split())


def _agents_context(query: str, prefix: str = "") -> dict:
    agents = agents_matching(query) if len(query) >= AGENT_QUERY_MIN else []
    return {"agents": agents, "agent_query": query, "limit": AGENTS_LIMIT, "prefix": prefix}


def _render(request, access, *, document_access=None, form=None, status=200):
    document = document_access.document if document_access else None
    shares = document_shares(document) if document is not None else []
    explanation = explain_access(access.folder, access.chain, access.space, shares=shares)
    context = {
        "access": access,
        "space": access.space,
        "folder": access.folder,
        "document": document,
        "explanation": explanation,
        "abilities": access.abilities,
    }
    sharing = access.abilities["share"] and document is None
    if document is not None:
        context["shares"] = shares
        context["document_abilities"] = document_access.abilities
        sharing = document_access.abilities["share_document"]
    if sharing:
        groups = department_groups()
        roles = ShareRole.choices if document is not None else None
        context["form"] = form or GrantForm(groups=groups, roles=roles)
        context.update(_agents_context(_agent_query(request)))
    return render(request, "ged/access.html", context, status=status)


@require_GET
def folder_access_view(request, pk):
    access = access_folder(request.user, pk, need="view_access")
    return _render(request, access)


@require_GET
def document_access_view(request, pk):
    doc_access = access_document(request.user, pk, need="view_access")
    return _render(request, doc_access.folder_access, document_access=doc_access)


@require_GET
def agents(request):
    """htmx: the active agents matching a name or a department (at most 20), as radio buttons for a sharing
    form. Shows what the directory shows: names and departments, nothing else."""
    prefix = str(request.GET.get("prefix", ""))[:20]
    if not prefix.replace("-", "").isalnum():
        prefix = ""
    return render(request, "ged/_agents.html", _agents_context(_agent_query(request), prefix))


@require_POST
def share_document(request, pk):
    """Share one document with an agent or a department (editors of its folder)."""
    doc_access = access_document(request.user, pk, need="share_document")
    form = GrantForm(request.POST, groups=department_groups(), roles=ShareRole.choices)
    if not form.is_valid():
        return _render(request, doc_access.folder_access, document_access=doc_access, form=form, status=400)
    kind, principal = form.cleaned_data["principal"]
    try:
        document_share(
            document=doc_access.document,
            role=form.cleaned_data["role"],
            actor=request.user,
            request=request,
            **{kind: principal},
        )
    except ValidationError as exc:
        form.add_error(None, error_text(exc))
        return _render(request, doc_access.folder_access, document_access=doc_access, form=form, status=400)
    messages.success(request, _("Le document est partagé."))
    return redirect("ged:document_access", pk=pk)


@require_POST
def unshare_document(request, pk):
    doc_access = access_document(request.user, pk, need="share_document")
    form = RevokeForm(request.POST)
    if form.is_valid():
        kind, principal = form.cleaned_data["principal"]
        if document_unshare(
            document=doc_access.document, actor=request.user, request=request, **{kind: principal}
        ):
            messages.success(request, _("Le partage est retiré."))
    return redirect("ged:document_access", pk=pk)


@require_POST
def grant(request, pk):
    access = access_folder(request.user, pk, need="share")
    form = GrantForm(request.POST, groups=department_groups())
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
        form = (
            GrantForm(request.POST, groups=department_groups())
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
