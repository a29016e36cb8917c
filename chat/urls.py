from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("", views.index, name="index"),
    path("nouveau/", views.salon_create, name="create"),
    path("direct/", views.direct_open, name="direct"),
    path("collegues/", views.colleagues, name="colleagues"),
    path("service/<slug:slug>/", views.department_salon, name="department"),
    path("<id:pk>/", views.salon, name="salon"),
    path("<id:pk>/envoyer/", views.message_post, name="post"),
    path("<id:pk>/messages/<uuid:uuid>/modifier/", views.message_edit, name="message_edit"),
    path("<id:pk>/messages/<uuid:uuid>/supprimer/", views.message_delete, name="message_delete"),
    path("<id:pk>/membres/", views.members, name="members"),
    path("<id:pk>/mentions/", views.mention_names, name="mentions"),
    path("<id:pk>/rejoindre/", views.join, name="join"),
    path("<id:pk>/quitter/", views.leave, name="leave"),
]
