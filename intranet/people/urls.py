from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("jetons/", views.api_tokens, name="api_tokens"),
    path("jetons/<id:pk>/revoquer/", views.api_token_revoke_view, name="api_token_revoke"),
    path("lecteur-reseau/", views.network_drive, name="network_drive"),
    path("lecteur-reseau/<id:pk>/revoquer/", views.app_password_revoke_view, name="app_password_revoke"),
    path(
        "lecteur-reseau/revoquer-ceux-d-un-agent/",
        views.app_passwords_revoke_by_it_view,
        name="app_passwords_revoke_by_it",
    ),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<id:pk>/fermer/", views.session_end_view, name="session_end"),
    path("sessions/partout/", views.sessions_end_everywhere_view, name="sessions_end_everywhere"),
]
