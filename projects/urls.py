from django.urls import include, path

from . import views, views_agent

app_name = "projects"

urlpatterns = [
    path("", views.index, name="index"),
    path("mes-taches/", views.my_tasks, name="my_tasks"),
    path("mes-taches/agenda/", views_agent.feed_page, name="feed"),
    path("agenda/<str:token>/mes-taches.ics", views_agent.feed_ics, name="feed_ics"),
    path("portefeuille/", views_agent.portfolio, name="portfolio"),
    path("portefeuille/export.csv", views_agent.portfolio_csv, name="portfolio_csv"),
    path("<int:pk>/", views.workspace, name="workspace"),
    path("<int:pk>/equipe/", views.roster, name="roster"),
    path("<int:pk>/rejoindre/", views.join, name="join"),
    path("<int:pk>/clore/", views.close, name="close"),
    path("<int:pk>/rouvrir/", views.reopen, name="reopen"),
    path("<int:pk>/tableaux/", views.board_create, name="board_create"),
    path("tableaux/<int:pk>/", views.board, name="board"),
    path("tableaux/<int:pk>/colonnes/", views.column_create, name="column_create"),
    path("tableaux/<int:pk>/etiquettes/", views.label_create, name="label_create"),
    path("tableaux/<int:pk>/cartes/", views.card_create, name="card_create"),
    path("cartes/<int:pk>/", views.card, name="card"),
    path("cartes/<int:pk>/deplacer/", views.card_move, name="card_move"),
    path("cartes/<int:pk>/archiver/", views.card_archive, name="card_archive"),
    path("cartes/<int:pk>/liste/", views.checklist_add, name="checklist_add"),
    path("cartes/<int:pk>/liste/<int:item_pk>/", views.checklist_toggle, name="checklist_toggle"),
    path("cartes/<int:pk>/commentaires/", views.comment_add, name="comment_add"),
    # Milestones, timeline, templates, edit pages.
    path("", include("projects.urls_plan")),
]
