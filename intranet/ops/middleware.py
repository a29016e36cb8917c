"""Request ids on every HTTP request and websocket, the per-process websocket gauge, and the French 503 page
for a storage (or other dependency) outage."""

import logging

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.translation import gettext as _

from intranet.errors import error_response

from . import metrics, request_id
from .errors import ServiceUnavailable

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Takes X-Request-ID from nginx (REQUEST_ID_FROM_PROXY) or makes one, sets it for the logs of the
    request and sends it back in the response header. Sync and async, so an async view keeps its context."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        rid = request_id.choose(request.headers.get(request_id.HEADER))
        token = request_id.request_id_var.set(rid)
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            request_id.request_id_var.reset(token)
        response[request_id.HEADER] = rid
        return response

    async def __acall__(self, request):
        rid = request_id.choose(request.headers.get(request_id.HEADER))
        token = request_id.request_id_var.set(rid)
        request.request_id = rid
        try:
            response = await self.get_response(request)
        finally:
            request_id.request_id_var.reset(token)
        response[request_id.HEADER] = rid
        return response


class StorageUnavailableMiddleware:
    """A dependency that is down (`intranet.ops.errors.ServiceUnavailable`, e.g. StorageUnavailable) is
    answered 503 with a French page, or JSON under /api/, and a Retry-After; never a 500. The action that
    raised it has recorded nothing (it raises before its transaction commits)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ServiceUnavailable):
            return None
        logger.warning("service unavailable on %s: %r", request.path, exception)
        response = error_response(
            request,
            503,
            _(
                "Le stockage des fichiers ne répond pas pour le moment. Rien n'a été enregistré : "
                "réessayez dans quelques minutes."
            ),
        )
        response["Retry-After"] = "60"
        return response


class WebsocketOpsMiddleware:
    """ASGI middleware around the websocket application: a request id for the socket's whole life (its
    consumer's log lines carry it) and the per-process count of open websockets (metrics)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "websocket":
            return await self.app(scope, receive, send)
        header = None
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                header = value.decode("latin-1")
                break
        token = request_id.request_id_var.set(request_id.choose(header))
        metrics.websockets_open(+1)
        try:
            return await self.app(scope, receive, send)
        finally:
            metrics.websockets_open(-1)
            request_id.request_id_var.reset(token)
