from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.agenda_month, name="month"),
    path("liste/", views.agenda_list, name="list"),
    path("abonnement/", views.subscribe, name="subscribe"),
    path("flux/<str:token>/<slug:which>.ics", views.feed, name="feed"),
]
