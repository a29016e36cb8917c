from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("", views.index, name="index"),
    path("nouveau/", views.salon_create, name="create"),
    path("direct/", views.direct_open, name="direct"),
    path("service/<slug:slug>/", views.department_salon, name="department"),
    path("<int:pk>/", views.salon, name="salon"),
    path("<int:pk>/envoyer/", views.message_post, name="post"),
    path("<int:pk>/messages/<uuid:uuid>/modifier/", views.message_edit, name="message_edit"),
    path("<int:pk>/messages/<uuid:uuid>/supprimer/", views.message_delete, name="message_delete"),
    path("<int:pk>/membres/", views.members, name="members"),
    path("<int:pk>/rejoindre/", views.join, name="join"),
    path("<int:pk>/quitter/", views.leave, name="leave"),
]
