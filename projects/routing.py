from django.urls import path

from .consumers import BoardConsumer

websocket_urlpatterns = [path("ws/projets/tableaux/<id:board_id>/", BoardConsumer.as_asgi())]
