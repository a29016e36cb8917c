from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessibilityConfig(AppConfig):
    name = "intranet.accessibility"
    label = "accessibility"
    verbose_name = _("Accessibilité")

    def ready(self):
        from intranet import registry

        from .demo import seed_accessibility

        registry.register_demo_seeder(key="accessibility", seeder=seed_accessibility, order=90)
