"""Websocket routes of every app. Apps append theirs in AppConfig.ready() through `register_websockets`."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import re_path

from intranet.notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*notification_routes]


def register_websockets(patterns) -> None:
    websocket_urlpatterns.extend(patterns)


class RouteNotFoundConsumer(AsyncWebsocketConsumer):
    """Any other path (unknown, or an id out of range for `<id:>`): the handshake is refused.

    Without it Channels' URLRouter raises "No route found" inside the ASGI app: a crash, not an answer.
    """

    async def connect(self):
        await self.close()


def websocket_routes() -> list:
    """Every app's routes, then the refusal for anything else (built after the apps registered theirs)."""
    return [*websocket_urlpatterns, re_path(r"", RouteNotFoundConsumer.as_asgi())]
