"""« Qui est là ? » (issue 19): presence of the day, the agent's own week and absences, team calendars."""

from django.urls import path

from . import presence_views as views

app_name = "presence"
urlpatterns = [
    path("", views.index, name="index"),
    path("mes-absences/", views.mine, name="mine"),
    path("agenda/<str:secret>/<slug:slug>.ics", views.team_calendar, name="team_feed"),
]
