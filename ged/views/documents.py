from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intranet.audit.actions import audit_record
from intranet.ops.errors import StorageUnavailable
from intranet.params import is_valid_id, parse_id

from .. import preview as previews
from ..actions import (
    StaleVersion,
    document_lock,
    document_move,
    document_purge,
    document_restore,
    document_trash,
    document_unlock,
    document_update,
    follow_toggle,
    version_create,
    version_milestone,
    version_restore,
)
from ..downloads import serve_version
from ..forms import DocumentForm, MilestoneForm, MoveForm, VersionCommentForm
from ..models import Follow
from ..permissions import access_document, access_folder, access_version
from ..queries import activity, document_versions, move_targets
from ..uploads import GedUploadHandler, HashedUpload, discard_uploads, max_upload_bytes
from .common import error_text, json_error, wants_json


@require_GET
def document(request, pk):
    access = access_document(request.user, pk)
    doc = access.document
    return render(
        request,
        "ged/document.html",
        {
            "access": access,
            "document": doc,
            "folder_access": access.folder_access,
            "space": access.folder_access.space,
            "abilities": access.abilities,
            "versions": document_versions(doc),
            "version_form": VersionCommentForm(
                initial={"base_version": doc.current_version.number if doc.current_version_id else 0}
            ),
            "following": Follow.objects.filter(user=request.user, document=doc).exists(),
            "events": activity(document=doc, limit=20),
            "max_upload_mb": max_upload_bytes() // (1024 * 1024),
            "lock_active": doc.lock_active(),
            "preview": _preview(doc, access.abilities),
        },
    )


def _preview(doc, abilities) -> dict | None:
    """What the « Aperçu » section shows: the kind, the framed route, or the text itself (escaped by the
    template, capped). None: no current version or no right to the bytes. No query: the version came with
    the document."""
    version = doc.current_version
    if version is None or not abilities.get("download"):
        return None
    kind = previews.preview_kind(version, doc.title)
    context = {"kind": kind, "version": version}
    if kind == previews.TEXT:
        try:
            context["text"], context["truncated"] = previews.text_excerpt(version)
        except (OSError, StorageUnavailable):
            context["kind"] = None
    elif kind is not None:
        context["url"] = reverse("ged:preview_version", args=[version.pk])
    return context


def _download(request, version, access):
    audit_record(
        action="ged.download",
        request=request,
        obj=access.document,
        extra={"space": access.document.space_id, "version": version.number},
    )
    name = access.document.title
    if version.pk != access.document.current_version_id:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem} (v{version.number}).{ext}" if dot and stem else f"{name} (v{version.number})"
    return serve_version(request, version, filename=name, inline=request.GET.get("apercu") == "1")


@require_GET
def download_current(request, pk):
    access = access_document(request.user, pk, need="download")
    if access.document.current_version is None:
        raise Http404
    return _download(request, access.document.current_version, access)


@require_GET
def download_version(request, pk):
    version, access = access_version(request.user, pk)
    return _download(request, version, access)


@csrf_exempt
def new_version(request, pk):
    if request.method == "POST":
        request.upload_handlers = [GedUploadHandler(request)]
    return _new_version(request, pk)


@csrf_protect
@require_POST
def _new_version(request, pk):
    try:
        access = access_document(request.user, pk, need="upload_version")
    except Http404:
        discard_uploads(request)
        raise
    form = VersionCommentForm(request.POST)
    upload = request.FILES.get("file")
    if not isinstance(upload, HashedUpload) or not form.is_valid():
        discard_uploads(request)
        message = _("Choisissez le fichier de la nouvelle version.")
        if wants_json(request):
            return json_error(message)
        messages.error(request, message)
        return redirect("ged:document", pk=pk)
    try:
        version = version_create(
            document=access.document,
            uploaded_file_or_path=upload,
            author=request.user,
            comment=form.cleaned_data["comment"],
            base_version=form.cleaned_data["base_version"],
            request=request,
        )
    except StaleVersion as exc:
        upload.discard()
        if wants_json(request):
            return json_error(exc.message, status=409)
        messages.error(request, exc.message)
        response = render(
            request,
            "ged/conflict.html",
            {"document": access.document, "message": exc.message, "space": access.folder_access.space},
            status=409,
        )
        return response
    except ValidationError as exc:
        upload.discard()
        if wants_json(request):
            return json_error(error_text(exc), status=413 if "taille maximale" in error_text(exc) else 400)
        messages.error(request, error_text(exc))
        return redirect("ged:document", pk=pk)
    if wants_json(request):
        return JsonResponse({"version": version.number}, status=201)
    messages.success(request, _("La version %(n)s est enregistrée.") % {"n": version.number})
    return redirect("ged:document", pk=pk)


@require_POST
def restore_version(request, pk):
    version, access = access_version(request.user, pk, need="restore_version")
    try:
        new = version_restore(version=version, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("La version %(old)s est restaurée comme version %(new)s.")
            % {"old": version.number, "new": new.number},
        )
    return redirect("ged:document", pk=access.document.pk)


@require_POST
def milestone(request, pk):
    version, access = access_version(request.user, pk, need="milestone")
    form = MilestoneForm(request.POST)
    if form.is_valid():
        version_milestone(version=version, label=form.cleaned_data["label"], actor=request.user)
        messages.success(request, _("Le jalon est enregistré."))
    return redirect("ged:document", pk=access.document.pk)


@require_POST
def lock(request, pk):
    access = access_document(request.user, pk, need="lock")
    try:
        document_lock(document=access.document, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Le document est réservé à votre nom : les autres ne peuvent pas envoyer de nouvelle version."),
        )
    return redirect("ged:document", pk=pk)


@require_POST
def unlock(request, pk):
    access = access_document(request.user, pk, need="unlock")
    document_unlock(document=access.document, actor=request.user)
    messages.success(request, _("La réservation est levée."))
    return redirect("ged:document", pk=pk)


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    access = access_document(request.user, pk, need="rename")
    doc = access.document
    form = DocumentForm(
        request.POST or None, initial={"title": doc.title, "description": doc.description, "tags": doc.tags}
    )
    if request.method == "POST" and form.is_valid():
        try:
            document_update(document=doc, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("Les informations du document sont enregistrées."))
            return redirect("ged:document", pk=pk)
    return render(
        request,
        "ged/document_edit.html",
        {"access": access.folder_access, "document": doc, "space": access.folder_access.space, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def move(request, pk):
    access = access_document(request.user, pk, need="move")
    doc = access.document
    targets = [
        (f.pk, label)
        for f, label in move_targets(request.user, access.folder_access.space)
        if f.pk != doc.folder_id
    ]
    form = MoveForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        target = access_folder(request.user, form.cleaned_data["target"], need="upload").folder
        try:
            document_move(document=doc, target=target, actor=request.user, request=request)
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request, _("Le document est déplacé dans « %(folder)s ».") % {"folder": target.name}
            )
            return redirect("ged:document", pk=pk)
    return render(
        request,
        "ged/move.html",
        {"access": access.folder_access, "space": access.folder_access.space, "form": form, "object": doc},
        status=400 if form.errors else 200,
    )


@require_POST
def trash(request, pk):
    access = access_document(request.user, pk, need="trash")
    try:
        document_trash(document=access.document, actor=request.user, request=request)
    except ValidationError as exc:  # a removal guard (legal hold) refused it
        messages.error(request, error_text(exc))
        return redirect("ged:document", pk=access.document.pk)
    messages.success(
        request,
        _("« %(title)s » est dans la corbeille de l'espace ; vous pouvez l'en sortir pendant %(days)s jours.")
        % {"title": access.document.title, "days": _trash_days()},
    )
    return redirect("ged:folder", pk=access.document.folder_id)


def _trash_days():
    from django.conf import settings

    return settings.GED_TRASH_DAYS


@require_POST
def restore(request, pk):
    access = access_document(request.user, pk, need="restore", trashed=True)
    back = request.POST.get("retour", "")
    trash_url = (
        reverse("ged:folder_trash", args=[parse_id(back)])
        if is_valid_id(back)
        else reverse("ged:trash", args=[access.folder_access.space.slug])
    )
    try:
        doc = document_restore(document=access.document, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(trash_url)
    if access_document_or_none(request.user, doc.pk) is None:
        # Restored into an ancestor the agent may not read (their rights were on the deleted folder alone).
        messages.success(
            request,
            _("« %(title)s » est restauré dans « %(folder)s », où vous n'avez pas accès.")
            % {"title": doc.title, "folder": doc.folder.name},
        )
        return redirect(trash_url)
    messages.success(
        request,
        _("« %(title)s » est restauré dans « %(folder)s ».")
        % {"title": doc.title, "folder": doc.folder.name},
    )
    return redirect("ged:document", pk=doc.pk)


def access_document_or_none(user, pk):
    try:
        return access_document(user, pk)
    except Http404:
        return None


@require_POST
def purge(request, pk):
    access = access_document(request.user, pk, need="purge", trashed=True)
    slug = access.folder_access.space.slug
    try:
        document_purge(document=access.document, actor=request.user, request=request)
    except ValidationError as exc:  # a removal guard (legal hold) refused it
        messages.error(request, error_text(exc))
        return redirect("ged:trash", slug=slug)
    messages.success(request, _("Le document est supprimé définitivement."))
    return redirect("ged:trash", slug=slug)


@require_POST
def follow(request, pk):
    access = access_document(request.user, pk, need="follow")
    now = follow_toggle(user=request.user, document=access.document)
    messages.success(
        request,
        _("Vous suivez ce document : vous serez prévenu·e des nouvelles versions.")
        if now
        else _("Vous ne suivez plus ce document."),
    )
    return redirect("ged:document", pk=pk)
