from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """Retention rules, legal holds, destruction lists and SEDA transfers, an app of its own so that its
    migrations never collide with ged's (label `ged_retention`)."""

    name = "ged.retention"
    label = "ged_retention"
    verbose_name = _("Archivage et durées de conservation")
