"""The preview of a version, framed by the document page: PDF and images inline, office files converted to
PDF by the Document Server (once per content, cached), a French message for everything else.

Same gate as the download (`access_version(..., need="download")`): a restricted, trashed or missing document
answers 404 here exactly as there. Only this route may be framed, and only by our own pages."""

import io
import os

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from intranet.audit.actions import audit_record

from .. import conversion, onlyoffice
from .. import preview as previews
from ..downloads import serve_version, stream_open_file
from ..names import content_disposition, extension
from ..permissions import access_version

# The PDF viewer of Chromium refuses to run under a `sandbox` policy and needs `object-src` for itself, so a
# PDF gets no sandbox but no script, style or connection either; images keep the sandbox.
PDF_CSP = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
IMAGE_CSP = "sandbox; default-src 'none'; frame-ancestors 'self'"


def _frame_message(request, document, *, message: str, waiting: bool = False, refresh_url: str = ""):
    """A small page of ours inside the frame (the strict CSP already allows framing by our pages)."""
    return render(
        request,
        "ged/preview_frame.html",
        {
            "document": document,
            "message": message,
            "waiting": waiting,
            "refresh_url": refresh_url,
            "interval": max(1, round(conversion.poll_interval())),
        },
    )


def _audit(request, access, version, kind):
    audit_record(
        action="ged.preview",
        request=request,
        obj=access.document,
        extra={"space": access.document.space_id, "version": version.number, "kind": kind},
    )


def _stream_pdf(request, fh, *, title: str):
    name = f"{title.rpartition('.')[0] or title}.pdf"
    headers = {
        "Content-Disposition": content_disposition(name, inline=True),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": PDF_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "private, no-store",
    }
    try:
        fh.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        # A stream from S3 has no descriptor: Django's FileResponse reads it in chunks and knows its size.
        response = FileResponse(fh, content_type="application/pdf")
        for key, value in headers.items():
            response[key] = value
        return response
    return stream_open_file(request, fh, content_type="application/pdf", headers=headers)


def _attempt(request) -> int:
    try:
        return max(0, min(int(request.GET.get("essai", 0)), 10_000))
    except (TypeError, ValueError):
        return 0


@require_GET
def preview_version(request, pk):
    version, access = access_version(request.user, pk)
    document = access.document
    kind = previews.preview_kind(version, document.title)
    if kind in (previews.PDF, previews.IMAGE):
        _audit(request, access, version, kind)
        response = serve_version(request, version, filename=document.title, inline=True, framed=True)
        if response.status_code in (200, 206, 304):
            response["Content-Security-Policy"] = PDF_CSP if kind == previews.PDF else IMAGE_CSP
        return response
    if kind != previews.OFFICE:
        # Text is shown in the document page itself; everything else has no preview.
        raise Http404
    return _office_preview(request, version, access)


def _office_preview(request, version, access):
    document = access.document
    cached = previews.cached_pdf_open(version.blob_id)
    if cached is not None:
        _audit(request, access, version, previews.OFFICE)
        return _stream_pdf(request, cached, title=document.title)
    attempt = _attempt(request)
    try:
        path, _percent = conversion.convert_step(
            version,
            filetype=extension(document.title),
            outputtype="pdf",
            title=document.title,
            base_url=onlyoffice.app_base_url(request),
        )
        if path is None and attempt + 1 >= conversion.max_polls():
            raise conversion.too_slow()
    except conversion.ConversionError as exc:
        return _frame_message(
            request,
            document,
            message=_("L'aperçu n'a pas pu être préparé. %(reason)s") % {"reason": exc.message},
        )
    if path is None:
        url = reverse("ged:preview_version", args=[version.pk]) + f"?essai={attempt + 1}"
        return _frame_message(
            request,
            document,
            message=_("Aperçu en préparation : le serveur de documents convertit le fichier en PDF…"),
            waiting=True,
            refresh_url=url,
        )
    with open(path, "rb") as fh:
        valid = fh.read(5).startswith(b"%PDF-")
    if not valid:
        os.unlink(path)
        return _frame_message(
            request,
            document,
            message=_("Le serveur de documents n'a pas renvoyé un PDF valide. Réessayez plus tard."),
        )
    previews.cached_pdf_store(version.blob_id, path)
    cached = previews.cached_pdf_open(version.blob_id)
    if cached is None:  # the store lost it at once: say so rather than fail
        return _frame_message(request, document, message=_("L'aperçu n'a pas pu être enregistré. Réessayez."))
    _audit(request, access, version, previews.OFFICE)
    return _stream_pdf(request, cached, title=document.title)
