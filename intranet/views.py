import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousFileOperation
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils._os import safe_join
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# Wagtail keeps page images (news, guides) and their renditions in these MEDIA_ROOT folders. Nothing
# else under MEDIA_ROOT is reachable through MEDIA_URL: GED blobs and attachments have checked views.
PAGE_IMAGE_DIRS = ("original_images/", "images/")


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For the load balancer and systemd: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def ping(request):
    """A trivial authenticated view with a tiny template: the baseline of bench/page_render.py."""
    return render(request, "ping.html")


@require_GET
def page_image(request, path: str):
    """An image of a Wagtail page, for logged-in agents only (LoginRequiredMiddleware); 404 for anything that
    is not an image file in Wagtail's image folders."""
    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path)).resolve()
    except SuspiciousFileOperation:
        raise Http404 from None
    # Checked on the resolved path: "images/../ged/x.png" must not leave the image folders.
    relative = full.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
    if not relative.startswith(PAGE_IMAGE_DIRS):
        raise Http404
    content_type, _encoding = mimetypes.guess_type(full.name)
    if not content_type or not content_type.startswith("image/") or content_type == "image/svg+xml":
        raise Http404
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
