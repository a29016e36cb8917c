import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils._os import safe_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET

# Wagtail keeps page images (news, guides) and their renditions in these MEDIA_ROOT folders. Nothing
# else under MEDIA_ROOT is reachable through MEDIA_URL: GED blobs and attachments have checked views.
PAGE_IMAGE_DIRS = ("original_images/", "images/")


@login_not_required
def to_login(request, *args, **kwargs):
    """Wagtail's login views (page privacy `/_util/login/`, the admin's `/cms/login/`) and the Django admin's
    lead to the product's one login page, with its session length and « remember me »; credentials posted
    here are not used. An agent already logged in whom an admin refuses gets the 403 page, not a loop."""
    if request.user.is_authenticated:
        raise PermissionDenied
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    url = reverse("login")
    return redirect(f"{url}?{urlencode({'next': target})}" if target else url)


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


@require_GET
def ping(request):
    """A trivial authenticated view with a tiny template: the baseline of bench/page_render.py."""
    return render(request, "ping.html")


@require_GET
def page_document(request, document_id: int, document_filename: str):
    """A document attached to pages (news, guides): for agents who may open one of those pages
    (intranet.page_files), then Wagtail's own serving (collection privacy, ETag, the configured method).
    Outside every using page's audience, the same 404 as a missing file."""
    from wagtail.documents import get_document_model
    from wagtail.documents.views.serve import serve

    from .page_files import page_file_visible

    document = get_document_model().objects.filter(pk=document_id).first()
    if document is None or not page_file_visible(request.user, document):
        raise Http404
    return serve(request, document_id, document_filename)


def _image_of(relative: str):
    """The Wagtail image an original or a rendition file belongs to, or None."""
    from wagtail.images import get_image_model

    image_model = get_image_model()
    if relative.startswith("original_images/"):
        return image_model.objects.filter(file=relative).first()
    rendition = (
        image_model.get_rendition_model().objects.select_related("image").filter(file=relative).first()
    )
    return rendition.image if rendition else None


@require_GET
def page_image(request, path: str):
    """An image of a Wagtail page, or one of its renditions, for agents who may open a page that uses it
    (intranet.page_files); 404 for anything that is not a known image file in Wagtail's image folders."""
    from .page_files import page_file_visible

    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path)).resolve()
    except (SuspiciousFileOperation, ValueError):  # ValueError: a NUL byte in the path
        raise Http404 from None
    # Checked on the resolved path: "images/../ged/x.png" must not leave the image folders.
    relative = full.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
    if not relative.startswith(PAGE_IMAGE_DIRS):
        raise Http404
    image = _image_of(relative)
    if image is None or not page_file_visible(request.user, image):
        raise Http404
    content_type, _encoding = mimetypes.guess_type(full.name)
    if not content_type or not content_type.startswith("image/") or content_type == "image/svg+xml":
        raise Http404
    if hasattr(default_storage, "presigned_get"):
        # Object storage (intranet.storage.backends): a short-lived signed GET of the bucket, never kept.
        response = HttpResponseRedirect(default_storage.presigned_get(relative, content_type=content_type))
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
    if not full.is_file():
        raise Http404
    prefix = getattr(settings, "SENDFILE_NGINX_PREFIX", "")
    if prefix:  # production: nginx sends the bytes from its internal location
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + relative
    else:
        response = FileResponse(full.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response
