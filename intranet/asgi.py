"""ASGI entry point: HTTP through Django, websockets through Channels behind Origin and session checks.

Development: `daphne intranet.asgi:application` (make run). Production: see docs/deployment.md.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings.dev")
django.setup(set_prefix=False)  # before the consumers are imported

from intranet.asgi_handler import StreamingASGIHandler  # noqa: E402

# Django's handler, with the body limit checked before reading and upload bodies streamed to their view.
django_asgi_app = StreamingASGIHandler()

from a2wsgi import WSGIMiddleware  # noqa: E402

from ged.webdav.app import make_app as make_dav_app  # noqa: E402

# The network drive (WebDAV, ged/webdav): its own process in production (manage.py dav_serve behind nginx);
# here it answers /dav/… and the OPTIONS and PROPFIND that Windows sends to /, so `make run` serves it too.
dav_wsgi_app = WSGIMiddleware(make_dav_app())


async def http_app(scope, receive, send):
    path = scope["path"]
    if (
        path == "/dav"
        or path.startswith("/dav/")
        or (path == "/" and scope["method"] in ("OPTIONS", "PROPFIND"))
    ):
        return await dav_wsgi_app(scope, receive, send)
    return await django_asgi_app(scope, receive, send)


from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from intranet.ops.middleware import WebsocketOpsMiddleware  # noqa: E402
from intranet.routing import websocket_routes  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # A request id for each socket's log lines, and the per-process count of open sockets (metrics).
        "websocket": WebsocketOpsMiddleware(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_routes())))
        ),
    }
)
