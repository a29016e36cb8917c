"""The « who does what » directory (issue 3). Fixed paths come before `<username>/`, which takes the rest."""

from django.urls import path

from . import directory_views as views

app_name = "directory"
urlpatterns = [
    path("", views.index, name="index"),
    path("services/", views.department_tree, name="departments"),
    path("services/<slug:slug>/", views.department, name="department"),
    path("moi/modifier/", views.profile_edit, name="profile_edit"),
    path("<str:username>/", views.profile, name="profile"),
]
