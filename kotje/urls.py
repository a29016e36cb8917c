app_name = "kotje"
urlpatterns: list = []
