from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class GedConfig(AppConfig):
    name = "ged"
    verbose_name = _("Documents (GED)")

    def ready(self):
        from intranet import registry
        from intranet.accessibility.pages import register_sample_pages
        from intranet.api import api

        from . import hooks, onlyoffice, receivers  # noqa: F401  (leaver hook, OnlyOffice system check)
        from .api import router
        from .api_shares import router as shares_router
        from .api_uploads import router as uploads_router
        from .demo import seed_ged
        from .onlyoffice.commands import register_outbox_kinds
        from .onlyoffice.metrics import register as register_onlyoffice_metrics

        register_outbox_kinds()
        register_onlyoffice_metrics()  # forgotten files on /ops/metrics (intranet.ops.metrics)

        registry.register_nav(key="ged", label=_("Documents"), url=reverse_lazy("ged:spaces"), order=30)
        registry.register_dashboard_panel(
            key="ged_recent",
            template="ged/panel_recent.html",
            context=hooks.dashboard_recent,
            order=40,
            topics=("ged",),
        )
        receivers.connect_dashboard_receivers()
        registry.register_profile_section(
            key="ged_spaces",
            template="people/directory/_profile_section_links.html",
            context=hooks.profile_spaces,
            order=40,
        )
        registry.register_department_section(
            key="ged_spaces",
            template="people/directory/_profile_section_links.html",
            context=hooks.department_spaces,
            order=40,
        )
        registry.register_search_source(key="ged", label=_("Documents"), search=hooks.search, order=30)
        registry.register_demo_seeder(key="ged", seeder=seed_ged, order=50)
        from . import workspaces

        registry.register_team_provisioner(
            key="ged",
            create=workspaces.create,
            sync_roster=workspaces.sync_roster,
            close=workspaces.close,
            reopen=workspaces.reopen,
            resolve=workspaces.resolve,
            order=10,
            changed=workspaces.changed,
        )
        from . import links

        registry.register_link_kind(
            key="ged.document",
            label=_("Document"),
            parse=links.parse,
            validate=links.validate,
            resolve=links.resolve_links,
            order=10,
        )
        registry.register_attachment_store(link_kind="ged.document", store=links.store)
        register_sample_pages(key="ged", resolve=hooks.accessibility_pages, order=30)
        api.add_router("/", router)
        api.add_router("/", shares_router)
        api.add_router("/", uploads_router)
