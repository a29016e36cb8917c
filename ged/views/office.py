"""Office files: new documents (blank or from the space's « Modèles »), conversion to OOXML and PDF download
through the Document Server's Conversion API."""

import contextlib
import io
import os

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intranet.audit.actions import audit_record

from .. import conversion, onlyoffice, storage
from ..actions import (
    StaleVersion,
    document_update,
    document_upload,
    title_taken,
    title_taken_message,
    version_create,
)
from ..downloads import stream_open_file
from ..models import Document
from ..names import clean_name, content_disposition, extension
from ..office_templates import BLANK_KINDS, blank_bytes, space_templates
from ..permissions import access_document, access_folder
from ..uploads import stage
from .common import error_text

NAME_MAX = 200


class _Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


class NewDocumentForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Type de document"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez le type de document à créer."),
            "invalid_choice": gettext_lazy("Choisissez le type de document à créer dans la liste."),
        },
    )
    name = forms.CharField(
        label=gettext_lazy("Nom du document"),
        help_text=gettext_lazy("Sans extension : elle est ajoutée selon le type choisi."),
        max_length=NAME_MAX,
        error_messages={
            "required": gettext_lazy("Donnez un nom au nouveau document."),
            "max_length": gettext_lazy("Ce nom est trop long : %(limit_value)d caractères au plus."),
        },
    )

    def __init__(self, *args, templates=(), folder=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.folder = folder
        self.templates = {f"modele-{t.document_id}": t for t in templates}
        choices = [(ext, label) for ext, label in BLANK_KINDS.items()]
        if self.templates:
            choices.append(
                (
                    _("Modèles de l'espace"),
                    [(value, t.title) for value, t in self.templates.items()],
                )
            )
        self.fields["source"].choices = choices

    def ext(self) -> str:
        source = self.cleaned_data["source"]
        return source if source in BLANK_KINDS else self.templates[source].ext

    def clean(self):
        data = super().clean()
        if "source" not in data or "name" not in data:
            return data
        ext = self.ext()
        stem = data["name"]
        if extension(stem) == ext:
            stem = stem.rpartition(".")[0]
        stem = clean_name(stem, fallback="")
        if not stem:
            self.add_error(
                "name", _("Ce nom n'est pas utilisable : choisissez un nom avec des lettres ou des chiffres.")
            )
            return data
        title = clean_name(f"{stem}.{ext}")
        if title_taken(self.folder.pk, title):
            self.add_error("name", title_taken_message(title))
        data["title"] = title
        return data


def _editor_or_document_url(document) -> str:
    """The OnlyOffice editor when the integration is on, else the document page (agents download the
    new file, edit it on their computer and send it back as a new version)."""
    if onlyoffice.enabled():
        return reverse("ged:onlyoffice_editor", args=[document.pk])
    return reverse("ged:document", args=[document.pk])


@require_http_methods(["GET", "POST"])
def document_new(request, pk):
    access = access_folder(request.user, pk, need="upload")
    folder = access.folder
    templates = space_templates(request.user, access.space.pk)
    initial = {"source": request.GET.get("type")} if request.GET.get("type") in BLANK_KINDS else {}
    form = NewDocumentForm(request.POST or None, templates=templates, folder=folder, initial=initial)
    if request.method == "POST" and form.is_valid():
        title = form.cleaned_data["title"]
        source = form.cleaned_data["source"]
        try:
            if source in BLANK_KINDS:
                staged = stage(_Named(blank_bytes(source), title), name=title)
                comment = _("Document créé vide")
            else:
                template = form.templates[source]
                model = Document.objects.select_related("current_version").get(pk=template.document_id)
                with storage.blob_open(model.current_version.blob_id) as fh:
                    staged = stage(fh, name=title)
                comment = _("Créé à partir du modèle « %(name)s »") % {"name": template.title}
            document, _version = document_upload(
                folder=folder,
                uploaded_file_or_path=staged,
                author=request.user,
                comment=comment,
                title=title,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            if onlyoffice.enabled():
                messages.success(request, _("Le document « %(name)s » est créé.") % {"name": document.title})
            else:
                messages.success(
                    request,
                    _(
                        "Le document « %(name)s » est créé. Téléchargez-le, modifiez-le sur votre poste, "
                        "puis renvoyez-le avec « Envoyer une nouvelle version »."
                    )
                    % {"name": document.title},
                )
            return redirect(_editor_or_document_url(document))
    return render(
        request,
        "ged/document_new.html",
        {"access": access, "space": access.space, "folder": folder, "form": form},
        status=400 if form.errors else 200,
    )


def _base_url(request) -> str:
    """Where the DS reaches the intranet (ONLYOFFICE_APP_URL), else this request's own origin."""
    return onlyoffice.app_base_url(request)


def _require_conversion() -> None:
    if not conversion.enabled():
        raise Http404


def _int_param(data, name: str, default: int = 0) -> int:
    try:
        return max(0, min(int(data.get(name, default)), 10_000))
    except (TypeError, ValueError):
        return default


def _back_to_document(request, document):
    """Where a conversion ends: the document page; from an htmx poll, by an HX-Redirect."""
    url = reverse("ged:document", args=[document.pk])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _waiting(request, document, *, kind: str, calls: int, percent: int, base: int | None = None, status=200):
    """The page (or, for an htmx poll, the fragment) that polls the status view again after the interval."""
    context = {
        "document": document,
        "kind": kind,
        "percent": percent,
        "calls": calls,
        "base": base,
        "interval": conversion.poll_interval(),
        "poll_url": reverse(
            "ged:convert_ooxml_status" if kind == "ooxml" else "ged:download_pdf_status", args=[document.pk]
        ),
        "method": "post" if kind == "ooxml" else "get",
    }
    if request.headers.get("HX-Request"):
        return render(request, "ged/_conversion_status.html", context, status=status)
    return render(request, "ged/conversion_wait.html", context, status=status)


def _ooxml_target(request, document):
    """(source ext, target ext, new title) of a legacy document, or an error already put in messages."""
    source_ext = extension(document.title)
    target = conversion.LEGACY_TO_OOXML.get(source_ext)
    if target is None or document.current_version is None:
        raise Http404
    new_title = clean_name(f"{document.title.rpartition('.')[0]}.{target}")
    if title_taken(document.folder_id, new_title, exclude_pk=document.pk):
        messages.error(
            request,
            _(
                "Un document « %(name)s » existe déjà dans ce dossier : renommez l'un des deux "
                "avant de convertir."
            )
            % {"name": new_title},
        )
        return None
    return source_ext, target, new_title


def _ooxml_step(request, document, *, base: int, calls: int):
    """One converter call for « Convertir au format … »: store the result, or wait (poll again)."""
    found = _ooxml_target(request, document)
    if found is None:
        return _back_to_document(request, document)
    source_ext, target, new_title = found
    if document.current_version.number != base:
        messages.error(
            request, _("Une nouvelle version a été déposée pendant la conversion : relancez la conversion.")
        )
        return _back_to_document(request, document)
    try:
        path, percent = conversion.convert_step(
            document.current_version,
            filetype=source_ext,
            outputtype=target,
            title=document.title,
            base_url=_base_url(request),
        )
        if path is None and calls + 1 >= conversion.max_polls():
            raise conversion.too_slow()
    except conversion.ConversionError as exc:
        messages.error(request, exc.message)
        return _back_to_document(request, document)
    if path is None:
        return _waiting(request, document, kind="ooxml", calls=calls + 1, percent=percent, base=base)
    _store_ooxml(request, document, path=path, base=base, target=target, new_title=new_title)
    return _back_to_document(request, document)


def _store_ooxml(request, document, *, path: str, base: int, target: str, new_title: str) -> None:
    try:
        staged = stage(path, name=new_title)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    try:
        with transaction.atomic():
            created = version_create(
                document=document,
                uploaded_file_or_path=staged,
                author=request.user,
                comment=_("Converti au format %(fmt)s") % {"fmt": target.upper()},
                base_version=base,
                request=request,
            )
            document_update(document=document, actor=request.user, title=new_title)
    except StaleVersion:
        staged.discard()
        messages.error(
            request, _("Une nouvelle version a été déposée pendant la conversion : relancez la conversion.")
        )
    except ValidationError as exc:
        staged.discard()
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Le document est converti au format %(fmt)s (version %(n)s).")
            % {"fmt": target.upper(), "n": created.number},
        )


@require_POST
def convert_ooxml(request, pk):
    """A legacy .doc/.xls/.ppt becomes a new version of the same document in OOXML (the name follows).
    One converter call; while the DS works, the page polls `convert_ooxml_status`."""
    _require_conversion()
    document = access_document(request.user, pk, need="upload_version").document
    if document.current_version is None:
        raise Http404
    return _ooxml_step(request, document, base=document.current_version.number, calls=0)


@require_POST
def convert_ooxml_status(request, pk):
    """One poll of a running OOXML conversion: one converter call, then the result stored or the page polls
    again. `base` is the version the conversion started from: a newer one means the result is stale."""
    _require_conversion()
    document = access_document(request.user, pk, need="upload_version").document
    if document.current_version is None:
        raise Http404
    base = _int_param(request.POST, "base", -1)
    return _ooxml_step(request, document, base=base, calls=_int_param(request.POST, "calls"))


def _pdf_step(request, pk, *, calls: int, fetch: bool = True):
    access = access_document(request.user, pk, need="download")
    document = access.document
    ext = extension(document.title)
    if ext not in conversion.PDF_SOURCES or document.current_version is None:
        raise Http404
    try:
        path, percent = conversion.convert_step(
            document.current_version,
            filetype=ext,
            outputtype="pdf",
            title=document.title,
            base_url=_base_url(request),
            fetch=fetch,
        )
        if percent < 100 and calls + 1 >= conversion.max_polls():
            raise conversion.too_slow()
    except conversion.ConversionError as exc:
        messages.error(request, exc.message)
        return _back_to_document(request, document), None
    return (document, percent), path


@require_GET
def download_pdf(request, pk):
    """The current version converted to PDF, streamed and not stored. One converter call: when the DS has
    not finished, a page that polls `download_pdf_status` and comes back here once it has (the DS keeps the
    result under the same key)."""
    _require_conversion()
    outcome, path = _pdf_step(request, pk, calls=0)
    if not isinstance(outcome, tuple):
        return outcome
    document, percent = outcome
    if path is None:
        return _waiting(request, document, kind="pdf", calls=1, percent=percent)
    fh = open(path, "rb")  # noqa: SIM115 - the streaming response closes it
    os.unlink(path)  # the open handle keeps the bytes readable until the response is sent
    if not fh.read(5).startswith(b"%PDF-"):
        fh.close()
        messages.error(request, _("Le serveur de documents n'a pas renvoyé un PDF valide. Réessayez."))
        return redirect("ged:document", pk=document.pk)
    fh.seek(0)
    audit_record(
        action="ged.download",
        request=request,
        obj=document,
        extra={"space": document.space_id, "version": document.current_version.number, "format": "pdf"},
    )
    return stream_open_file(
        request,
        fh,
        content_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(f"{document.title.rpartition('.')[0]}.pdf"),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
            "Cache-Control": "private, no-store",
        },
    )


@require_GET
def download_pdf_status(request, pk):
    """One poll of a running PDF conversion (one converter call). Done: the page goes to `download_pdf`,
    which finds the result ready at the DS and streams it."""
    _require_conversion()
    calls = _int_param(request.GET, "calls")
    outcome, _path = _pdf_step(request, pk, calls=calls, fetch=False)
    if not isinstance(outcome, tuple):
        return outcome
    document, percent = outcome
    if percent < 100:
        return _waiting(request, document, kind="pdf", calls=calls + 1, percent=percent)
    # Ready at the DS: the download itself fetches the result (from the DS's cache, same key) and streams it.
    url = reverse("ged:download_pdf", args=[document.pk])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
