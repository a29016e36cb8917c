from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("tout-lire/", views.notification_read_all, name="read_all"),
    path("<id:pk>/lue/", views.notification_read, name="read"),
    path("<id:pk>/ouvrir/", views.notification_open, name="open"),
]
