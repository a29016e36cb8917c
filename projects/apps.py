from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projets")

    def ready(self):
        from intranet import registry
        from intranet.accessibility.pages import register_sample_pages
        from intranet.routing import register_websockets

        from . import a11y_pages
        from .demo import seed_projects_demo
        from .routing import websocket_urlpatterns

        registry.register_nav(
            key="projects", label=_("Projets"), url=reverse_lazy("projects:index"), order=45
        )
        # After the GED and chat seeders: the demo project's space and salon come from their provisioners.
        registry.register_demo_seeder(key="projects", seeder=seed_projects_demo, order=70)
        register_sample_pages(key="projects", resolve=a11y_pages.accessibility_pages, order=60)
        register_websockets(websocket_urlpatterns)
