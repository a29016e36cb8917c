from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "intranet.outbox"
    label = "outbox"
    verbose_name = _("Opérations externes en attente")
