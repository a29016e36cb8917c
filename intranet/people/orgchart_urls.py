"""The « Organigramme » (issue 19): departments with heads and members, navigable and printable."""

from django.urls import path

from . import presence_views as views

app_name = "orgchart"
urlpatterns = [path("", views.organigram, name="index")]
