"""The project's URLs plus a few views that exercise the operations middleware (request ids, storage down)."""

import asyncio
import logging

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import path

from intranet.ops import request_id
from intranet.ops.errors import StorageUnavailable
from intranet.urls import handler400, handler403, handler404, handler500  # noqa: F401
from intranet.urls import urlpatterns as project_urlpatterns

logger = logging.getLogger("tests.ops")


@login_not_required
def sync_log(request):
    logger.warning("sync view")
    return JsonResponse({"seen": request_id.current()})


@login_not_required
async def async_log(request):
    await asyncio.sleep(0)
    logger.warning("async view")
    return JsonResponse({"seen": request_id.current()})


@login_not_required
def storage_down(request):
    raise StorageUnavailable("connection refused")


urlpatterns = [
    path("_ops/sync-log", sync_log),
    path("_ops/async-log", async_log),
    path("_ops/storage-down", storage_down),
    path("api/v1/_ops/storage-down", storage_down),
    *project_urlpatterns,
]
