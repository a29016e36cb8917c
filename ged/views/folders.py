from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..actions import document_upload, folder_create, folder_delete, folder_move, folder_rename, follow_toggle
from ..choices import SortKey
from ..forms import MoveForm, NameForm
from ..models import Follow
from ..permissions import access_folder
from ..queries import folder_listing_cached, move_targets, trash_listing
from ..uploads import GedUploadHandler, HashedUpload, discard_uploads, max_upload_bytes
from .common import error_text, json_error, wants_json


def folder_context(request, listing) -> dict:
    access = listing.access
    following = (
        access.abilities["read"] and Follow.objects.filter(user=request.user, folder=access.folder).exists()
    )
    return {
        "listing": listing,
        "access": access,
        "space": access.space,
        "folder": access.folder,
        "abilities": access.abilities,
        "sorts": SortKey.choices,
        "max_upload_mb": max_upload_bytes() // (1024 * 1024),
        "following": following,
        "name_form": NameForm(),
    }


@require_GET
def folder(request, pk):
    access = access_folder(request.user, pk)
    if access.folder.depth == 1 and not request.GET:
        return redirect("ged:space", slug=access.space.slug)
    listing = folder_listing_cached(
        request.user, access, sort=request.GET.get("tri", ""), page=request.GET.get("page")
    )
    return render(request, "ged/folder.html", folder_context(request, listing))


@require_POST
def folder_new(request, pk):
    access = access_folder(request.user, pk, need="create_folder")
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            child = folder_create(parent=access.folder, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Le dossier « %(name)s » est créé.") % {"name": child.name})
            return redirect("ged:folder", pk=child.pk)
    else:
        messages.error(request, _("Donnez un nom au nouveau dossier."))
    return redirect("ged:folder", pk=access.folder.pk)


@require_http_methods(["GET", "POST"])
def folder_rename_view(request, pk):
    access = access_folder(request.user, pk, need="rename")
    form = NameForm(request.POST or None, initial={"name": access.folder.name})
    if request.method == "POST" and form.is_valid():
        try:
            folder_rename(folder=access.folder, name=form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            form.add_error("name", error_text(exc))
        else:
            messages.success(request, _("Le dossier est renommé."))
            return redirect("ged:folder", pk=access.folder.pk)
    return render(
        request,
        "ged/rename.html",
        {"access": access, "space": access.space, "form": form, "object": access.folder},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def folder_move_view(request, pk):
    access = access_folder(request.user, pk, need="move")
    targets = [
        (f.pk, label)
        for f, label in move_targets(request.user, access.space, exclude_path=access.folder.path)
    ]
    form = MoveForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        target = access_folder(request.user, form.cleaned_data["target"], need="create_folder").folder
        try:
            folder_move(folder=access.folder, target=target, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Le dossier est déplacé."))
            return redirect("ged:folder", pk=access.folder.pk)
    return render(
        request,
        "ged/move.html",
        {"access": access, "space": access.space, "form": form, "object": access.folder},
        status=400 if form.errors else 200,
    )


@require_POST
def folder_delete_view(request, pk):
    access = access_folder(request.user, pk, need="delete")
    parent_pk = access.chain[-2].pk
    try:
        folder_delete(folder=access.folder, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("ged:folder", pk=access.folder.pk)
    messages.success(request, _("Le dossier « %(name)s » est supprimé.") % {"name": access.folder.name})
    return redirect("ged:folder", pk=parent_pk)


@require_GET
def folder_trash(request, pk):
    """The trash of one folder's subtree, for an editor of that folder (a restricted folder's editors reach
    their documents here even if they may not open the space's root)."""
    access = access_folder(request.user, pk, need="trash")
    page = trash_listing(request.user, access.space, folder=access.folder, page=request.GET.get("page"))
    return render(
        request,
        "ged/trash.html",
        {
            "access": access,
            "space": access.space,
            "folder": access.folder,
            "page": page,
            "trash_days": settings.GED_TRASH_DAYS,
        },
    )


@require_POST
def folder_follow(request, pk):
    access = access_folder(request.user, pk, need="follow")
    now = follow_toggle(user=request.user, folder=access.folder)
    messages.success(
        request,
        _("Vous suivez ce dossier : vous serez prévenu·e des nouvelles versions.")
        if now
        else _("Vous ne suivez plus ce dossier."),
    )
    return redirect("ged:folder", pk=access.folder.pk)


@csrf_exempt
def upload(request, pk):
    """Files stream into the store's tmp dir while hashing (GedUploadHandler), before CSRF reads the body."""
    if request.method == "POST":
        request.upload_handlers = [GedUploadHandler(request)]
    return _upload(request, pk)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _upload(request, pk):
    try:
        access = access_folder(request.user, pk, need="upload")
    except Http404:
        if request.method == "POST":
            discard_uploads(request)
        raise
    if request.method == "GET":
        return render(
            request,
            "ged/upload.html",
            {
                "access": access,
                "space": access.space,
                "folder": access.folder,
                "max_upload_mb": max_upload_bytes() // (1024 * 1024),
            },
        )
    files = [f for f in request.FILES.getlist("files") if isinstance(f, HashedUpload)]
    comment = request.POST.get("comment", "")[:500]
    done, errors = [], []
    if not files:
        errors.append(_("Choisissez au moins un fichier à déposer."))
    for f in files:
        try:
            document, version = document_upload(
                folder=access.folder,
                uploaded_file_or_path=f,
                author=request.user,
                comment=comment,
                request=request,
            )
        except ValidationError as exc:
            f.discard()
            errors.append(error_text(exc))
        else:
            done.append(
                {
                    "id": document.pk,
                    "title": document.title,
                    "version": version.number,
                    "url": reverse("ged:document", args=[document.pk]),
                }
            )
    if wants_json(request):
        if errors and not done:
            return json_error(
                " ".join(errors), status=413 if any("taille maximale" in e for e in errors) else 400
            )
        return JsonResponse({"documents": done, "errors": errors}, status=201)
    for e in errors:
        messages.error(request, e)
    if done:
        text = ngettext("%(n)s fichier déposé.", "%(n)s fichiers déposés.", len(done))
        messages.success(request, text % {"n": len(done)})
    return redirect("ged:folder", pk=access.folder.pk)
