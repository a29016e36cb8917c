from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("jetons/", views.api_tokens, name="api_tokens"),
    path("jetons/<id:pk>/revoquer/", views.api_token_revoke_view, name="api_token_revoke"),
]
