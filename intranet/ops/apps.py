from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "intranet.ops"
    label = "ops"
    verbose_name = _("Exploitation")

    def ready(self):
        from . import checks, metrics, readiness, tasks_lease  # noqa: F401  (checks and registries)

        tasks_lease.connect_signals()
