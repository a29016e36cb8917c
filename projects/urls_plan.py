"""Routes of milestones, the timeline, templates and the edit pages (included by projects/urls.py, so they
share the « projects » namespace)."""

from django.urls import path

from . import views_plan as v
from . import views_templates

urlpatterns = [
    path("<int:pk>/modifier/", v.workspace_edit, name="workspace_edit"),
    path("<int:pk>/jalons/", v.milestone_list, name="milestones"),
    path("<int:pk>/chronologie/", v.timeline, name="timeline"),
    path("<int:pk>/enregistrer-modele/", v.workspace_save_template, name="workspace_save_template"),
    path("jalons/<int:pk>/", v.milestone_detail, name="milestone"),
    path("jalons/<int:pk>/cartes/", v.milestone_attach, name="milestone_attach"),
    path("jalons/<int:pk>/cartes/<int:card_pk>/detacher/", v.milestone_detach, name="milestone_detach"),
    path("jalons/<int:pk>/clore/", v.milestone_close, name="milestone_close"),
    path("jalons/<int:pk>/rouvrir/", v.milestone_reopen, name="milestone_reopen"),
    path("jalons/<int:pk>/supprimer/", v.milestone_delete, name="milestone_delete"),
    path("cartes/<int:pk>/jalon/", v.card_milestone, name="card_milestone"),
    path("tableaux/<int:pk>/modifier/", v.board_edit, name="board_edit"),
    path("tableaux/<int:pk>/enregistrer-modele/", v.board_save_template, name="board_save_template"),
    path("modeles/", v.template_list, name="templates"),
    path("modeles/<int:pk>/", v.template_detail, name="template"),
    path("modeles/<int:pk>/supprimer/", v.template_delete, name="template_delete"),
    path("modeles/<int:pk>/modifier/", views_templates.template_edit, name="template_edit"),
    path("modeles/<int:pk>/tableau/", v.template_board_use, name="template_board_use"),
]
