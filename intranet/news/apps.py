from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "intranet.news"
    label = "news"
    verbose_name = _("Accueil et actualités")
