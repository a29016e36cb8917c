from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "intranet.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from intranet import registry

        from .demo import seed_notification_preferences
        from .outbox import register_outbox_kinds

        register_outbox_kinds()
        registry.register_demo_seeder(key="notifications", seeder=seed_notification_preferences, order=95)
