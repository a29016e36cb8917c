"""OpenID Connect provider endpoints (issue 3)."""

app_name = "oauth2_provider"
urlpatterns: list = []
