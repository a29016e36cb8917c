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

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from intranet.ops.middleware import WebsocketOpsMiddleware  # noqa: E402
from intranet.routing import websocket_routes  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A request id for each socket's log lines, and the per-process count of open sockets (metrics).
        "websocket": WebsocketOpsMiddleware(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_routes())))
        ),
    }
)
