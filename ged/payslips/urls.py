from django.urls import path

from . import views

app_name = "payslips"
urlpatterns = [
    path("", views.index, name="index"),
    path("bulletin/<id:pk>/", views.download, name="download"),
    path("tout.zip", views.download_all, name="download_all"),
    path("journal/", views.log, name="log"),
    path("paie/", views.payroll, name="payroll"),
    path("paie/depot/<id:pk>/", views.batch, name="batch"),
    path("paie/quarantaine/<id:pk>/", views.quarantine_page, name="quarantine"),
    path("paie/quarantaine/<id:pk>/page.pdf", views.quarantine_view, name="quarantine_view"),
    path("paie/departs/", views.leaver_new, name="leaver_new"),
    path("depart/<str:token>/", views.leaver, name="leaver"),
]
