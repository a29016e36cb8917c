from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "intranet.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from .outbox import register_outbox_kinds

        register_outbox_kinds()
