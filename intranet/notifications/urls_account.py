"""Mounted at /compte/notifications/ (the agent's own settings, beside the other « compte » pages)."""

from django.urls import path

from . import views_preferences

app_name = "notification_prefs"
urlpatterns = [
    path("", views_preferences.preferences_edit, name="edit"),
    path("desabonnement/<str:token>/", views_preferences.unsubscribe, name="unsubscribe"),
]
