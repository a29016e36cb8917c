from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class KotjeConfig(AppConfig):
    name = "kotje"
    verbose_name = _("Kotje : guides et outils")

    def ready(self):
        from intranet import dashboard, registry

        from .demo import seed_kotje
        from .queries import dashboard_panel_context, profile_section_context

        registry.register_nav(key="kotje", label=_("Kotje"), url=reverse_lazy("kotje:index"), order=30)
        registry.register_dashboard_panel(
            key="kotje-guides",
            template="kotje/_dashboard_panel.html",
            context=dashboard_panel_context,
            order=40,
            topics=(dashboard.PAGES,),  # guides and themes are pages: the core bumps it on every publication
        )
        registry.register_profile_section(
            key="kotje-guides",
            template="people/directory/_profile_section_links.html",
            context=profile_section_context,
            order=40,
        )
        registry.register_demo_seeder(key="kotje", seeder=seed_kotje, order=30)

        from wagtail.signals import page_published

        from .models import ToolPage

        page_published.connect(_reindex_tool, sender=ToolPage, dispatch_uid="kotje_reindex_tool")


def _reindex_tool(sender, instance, **kwargs):
    """Wagtail indexes a page on post_save, before modelcluster writes its many-to-many values: index a tool
    again once published, so that searching one of its tasks (« partager un fichier ») finds it."""
    from wagtail.search.index import insert_or_update_object

    insert_or_update_object(instance)
