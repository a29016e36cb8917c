from django.urls import path

from . import views, views_setup

app_name = "circuits"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("mes-dossiers/", views.mine, name="mine"),
    path("en-retard/", views.late, name="late"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<id:pk>/revoquer/", views.delegation_revoke, name="delegation_revoke"),
    path("soumettre/<id:document_pk>/", views.submit, name="submit"),
    path("circuit/<id:pk>/", views.circuit, name="circuit"),
    path("circuit/<id:pk>/agir/", views.act, name="act"),
    path("circuit/<id:pk>/bordereau.pdf", views.bordereau, name="bordereau"),
    path("administration/", views_setup.setup, name="setup"),
    path("administration/bureaux/nouveau/", views_setup.desk_edit, name="desk_new"),
    path("administration/bureaux/<id:pk>/", views_setup.desk_edit, name="desk_edit"),
    path("administration/modeles/nouveau/", views_setup.template_edit, name="template_new"),
    path("administration/modeles/<id:pk>/", views_setup.template_edit, name="template_edit"),
]
