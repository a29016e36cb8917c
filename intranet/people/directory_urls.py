"""The « who does what » directory (issue 3)."""

app_name = "directory"
urlpatterns: list = []
