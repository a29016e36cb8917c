app_name = "ged"
urlpatterns: list = []
