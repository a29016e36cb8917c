from django.urls import path

from . import views

app_name = "retention"

urlpatterns = [
    path("", views.index, name="index"),
    path("regles/", views.rules, name="rules"),
    path("gels/", views.holds, name="holds"),
    path("dossiers/<id:pk>/type/retirer/", views.folder_default_remove, name="folder_default_remove"),
    path("gels/<id:pk>/lever/", views.hold_release, name="hold_release"),
    path("document/<id:pk>/", views.document_page, name="document"),
    path("document/<id:pk>/type/", views.classify, name="classify"),
    path("document/<id:pk>/geler/", views.hold_place, name="hold_place"),
    path("eliminations/proposer/", views.propose, name="propose"),
    path("eliminations/<id:pk>/", views.destruction_list, name="list"),
    path("eliminations/<id:pk>/viser/", views.approve, name="approve"),
    path("eliminations/<id:pk>/executer/", views.execute, name="execute"),
    path("eliminations/<id:pk>/abandonner/", views.cancel, name="cancel"),
    path("eliminations/<id:pk>/bordereau.pdf", views.slip, name="slip"),
    path("versements/", views.transfers, name="transfers"),
    path("versements/export.zip", views.transfer_export, name="transfer_export"),
]
