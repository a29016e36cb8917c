from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KotjeConfig(AppConfig):
    name = "kotje"
    verbose_name = _("Kotje : guides et outils")

    def ready(self):
        pass
