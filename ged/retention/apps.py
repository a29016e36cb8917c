from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    """Retention rules, legal holds, destruction lists and SEDA transfers, an app of its own so that its
    migrations never collide with ged's (label `ged_retention`)."""

    name = "ged.retention"
    label = "ged_retention"
    verbose_name = _("Archivage et durées de conservation")

    def ready(self):
        from intranet import registry
        from intranet.accessibility.pages import register_sample_pages
        from intranet.api import api

        from .. import removal_hooks, version_hooks
        from . import actions, hooks
        from .api import router
        from .demo import seed_retention

        removal_hooks.register_guard(actions.hold_guard)
        version_hooks.register(actions.record_from_folder)
        registry.register_demo_seeder(key="retention", seeder=seed_retention, order=57)
        register_sample_pages(key="retention", resolve=hooks.accessibility_pages, order=36)
        api.add_router("/retention", router)
