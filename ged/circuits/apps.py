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
        from intranet.api import api

        from .. import removal_hooks, version_hooks
        from . import actions, hooks
        from .api import router
        from .demo import seed_circuits

        version_hooks.register(actions.circuit_version_added)
        removal_hooks.register_trashed(actions.circuit_document_trashed)
        registry.register_demo_seeder(key="circuits", seeder=seed_circuits, order=55)
        register_sample_pages(key="circuits", resolve=hooks.accessibility_pages, order=35)
        api.add_router("/", router)
        registry.register_dashboard_panel(
            key="circuits_todo",
            template="circuits/_dashboard_panel.html",
            context=hooks.dashboard_context,
            order=42,
            topics=(hooks.DASHBOARD_TOPIC, "ged"),
            valid_until=hooks.dashboard_valid_until,
        )
        self._connect_dashboard()

    def _connect_dashboard(self):
        """Every write of the circuits saves one of these rows (bulk step updates come with a saved circuit),
        so the « À viser » panel is stale at once; desk members through the m2m signal."""
        from django.db.models.signals import m2m_changed

        from intranet import dashboard

        from . import hooks
        from .models import Circuit, CircuitStep, Delegation, Desk, StepAction

        for model in (Circuit, CircuitStep, StepAction, Delegation, Desk):
            dashboard.bump_on_save(model, hooks.DASHBOARD_TOPIC, uid=f"circuits-{model._meta.model_name}")

        def members_changed(sender, **kwargs):
            dashboard.bump(hooks.DASHBOARD_TOPIC)

        m2m_changed.connect(
            members_changed, sender=Desk.members.through, weak=False, dispatch_uid="circuits-desk-members"
        )
