import mimetypes
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from wagtail.documents import get_document_model

from intranet.audit.actions import audit_record

from .actions import feedback_record
from .forms import FeedbackForm
from .models import KotjeIndexPage
from .permissions import access_guide, guide_abilities
from .queries import feedback_context, feedback_stats

CHUNK = 64 * 1024
ILLUSTRATION_FILTER = "max-800x600"


@require_GET
def index(request):
    """/kotje/ whatever the Kotje home's slug: served here if it lives at /kotje/, else redirected to."""
    page = KotjeIndexPage.objects.live().first()
    if page is None:
        raise Http404
    url = page.get_url(request)
    if url and url.rstrip("/") != request.path.rstrip("/"):
        return redirect(url)
    return page.serve(request)


@require_POST
def feedback(request, page_id: int):
    """« Cette page vous a-t-elle aidé ? »: a plain POST (redirects back to the guide) or an htmx one
    (answers with the refreshed block)."""
    guide = access_guide(request.user, page_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        context = feedback_context(request, guide, form=form)
        if request.htmx:
            # 200, not 400: htmx swaps only successful responses, and the block must show the error.
            return render(request, "kotje/_feedback.html", context)
        # Without JS, show the guide again with the error and the comment kept.
        response = guide.serve(request)
        response.context_data.update(context)
        response.status_code = 400
        return response
    feedback_record(
        guide=guide, user=request.user, helpful=form.cleaned_helpful(), comment=form.cleaned_data["comment"]
    )
    if request.htmx:
        return render(request, "kotje/_feedback.html", feedback_context(request, guide, saved=True))
    messages.success(request, _("Merci pour votre avis : il aide le propriétaire du guide à l'améliorer."))
    return redirect(f"{guide.get_url(request)}#avis")


@require_GET
def feedback_report(request, page_id: int):
    """The guide's feedback for its owner and editors; 404 for everyone else."""
    guide = access_guide(request.user, page_id)
    if not guide_abilities(request.user, guide)["view_stats"]:
        raise Http404
    return render(request, "kotje/feedback_report.html", {"guide": guide, "stats": feedback_stats(guide)})


@require_GET
def attachment(request, page_id: int, document_id: int):
    """A file attached to a guide the agent may read (in its attachments or one of its steps)."""
    guide = access_guide(request.user, page_id)
    if document_id not in guide.attached_document_ids():
        raise Http404
    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None or not document.file:
        raise Http404
    audit_record(action="kotje.attachment.download", request=request, obj=document, extra={"guide": guide.pk})
    return _file_response(request, document.file, document.filename, as_attachment=True)


@require_GET
def illustration(request, page_id: int, image_id: int):
    """The illustration of a step of a guide the agent may read, at the size the guide shows it. Files are
    never served from MEDIA_URL: this is how guide images reach the browser."""
    guide = access_guide(request.user, page_id)
    image = next((img for img in guide.step_images() if img.pk == image_id), None)
    if image is None or not image.file:
        raise Http404
    rendition = image.get_rendition(ILLUSTRATION_FILTER)
    response = _file_response(
        request, rendition.file, rendition.file.name.rsplit("/", 1)[-1], as_attachment=False
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _file_response(request, field_file, filename: str, *, as_attachment: bool):
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    prefix = getattr(settings, "SENDFILE_NGINX_PREFIX", "")
    if prefix:  # production: nginx sends the bytes
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
    elif hasattr(request, "scope"):  # ASGI: stream in chunks rather than reading the file whole
        response = StreamingHttpResponse(_async_chunks(field_file), content_type=content_type)
        response["Content-Length"] = str(field_file.size)
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


async def _async_chunks(field_file):
    handle = await sync_to_async(field_file.storage.open)(field_file.name, "rb")
    try:
        while chunk := await sync_to_async(handle.read)(CHUNK):
            yield chunk
    finally:
        await sync_to_async(handle.close)()
