from django.urls import path

from .consumers import SalonConsumer

websocket_urlpatterns = [path("ws/chat/<id:salon_id>/", SalonConsumer.as_asgi())]
