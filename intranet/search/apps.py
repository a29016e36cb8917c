from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "intranet.search"
    label = "intranet_search"
    verbose_name = _("Recherche")

    def ready(self):
        from intranet.api import api

        from .api import router

        api.add_router("/", router)
