"""Websocket routes of every app. Apps append theirs in AppConfig.ready() through `register_websockets`."""

from intranet.notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*notification_routes]


def register_websockets(patterns) -> None:
    websocket_urlpatterns.extend(patterns)
