from django.urls import path

from . import views

app_name = "kotje"
# Kotje's pages live in Wagtail's tree under /kotje/ too: every route here has its own distinctive first
# segment, so that Django falls through to Wagtail for the pages.
urlpatterns = [
    path("", views.index, name="index"),
    path("avis/<id:page_id>/", views.feedback, name="feedback"),
    path("avis/<id:page_id>/statistiques/", views.feedback_report, name="feedback_report"),
    path("pieces-jointes/<id:page_id>/<id:document_id>/", views.attachment, name="attachment"),
    path("illustrations/<id:page_id>/<id:image_id>/", views.illustration, name="illustration"),
]
