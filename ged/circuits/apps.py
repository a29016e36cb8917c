from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CircuitsConfig(AppConfig):
    """The GED's visa and signature circuits, an app of its own so that its migrations never collide with
    ged's (label `ged_circuits`)."""

    name = "ged.circuits"
    label = "ged_circuits"
    verbose_name = _("Circuits de visa et de signature")

    def ready(self):
        from intranet import registry
        from intranet.accessibility.pages import register_sample_pages

        from .. import version_hooks
        from . import actions, hooks
        from .demo import seed_circuits

        version_hooks.register(actions.circuit_version_added)
        registry.register_demo_seeder(key="circuits", seeder=seed_circuits, order=55)
        register_sample_pages(key="circuits", resolve=hooks.accessibility_pages, order=35)
