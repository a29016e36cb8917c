from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntranetConfig(AppConfig):
    name = "intranet"
    verbose_name = _("Intranet")

    def ready(self):
        from . import registry
        from .checks import check_django_version  # noqa: F401  (registers the check)

        registry.register_nav(key="home", label=_("Accueil"), url="/", order=0)
