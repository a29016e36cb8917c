from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "intranet.audit"
    label = "audit"
    verbose_name = _("Journal d'accès")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the login/logout receivers)
