from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntranetConfig(AppConfig):
    name = "intranet"
    verbose_name = _("Intranet")

    def ready(self):
        from django.urls import register_converter

        from . import dashboard, registry
        from .checks import check_django_version  # noqa: F401  (registers the check)
        from .params import IdConverter
        from .storage.checks import check_s3_settings  # noqa: F401  (registers the check)

        # Before any URLconf or websocket routing is loaded (apps' ready() run after this one).
        register_converter(IdConverter, "id")
        registry.register_nav(key="home", label=_("Accueil"), url="/", order=0)
        dashboard.connect_core_receivers()
