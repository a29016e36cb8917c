from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("tout-lire/", views.notification_read_all, name="read_all"),
    path("<int:pk>/lue/", views.notification_read, name="read"),
    path("<int:pk>/ouvrir/", views.notification_open, name="open"),
]
