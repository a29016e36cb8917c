"""Card links and attachments, under /projets/ beside projects.urls (namespace « project_links »)."""

from django.urls import path

from . import views_links

app_name = "project_links"

urlpatterns = [
    path("cartes/<int:pk>/liens/", views_links.link_add, name="add"),
    path("cartes/<int:pk>/pieces-jointes/", views_links.attach, name="attach"),
    path("cartes/<int:pk>/liens/<int:link_pk>/retirer/", views_links.link_remove, name="remove"),
]
