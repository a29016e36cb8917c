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
        from .demo_plan import seed_projects_plan_demo
        from .routing import websocket_urlpatterns

        registry.register_nav(
            key="projects", label=_("Projets"), url=reverse_lazy("projects:index"), order=45
        )
        # After the GED and chat seeders: the demo project's space and salon come from their provisioners.
        registry.register_demo_seeder(key="projects", seeder=seed_projects_demo, order=70)
        # Templates, milestones and a project made from a template, once the first demo project exists.
        registry.register_demo_seeder(key="projects-plan", seeder=seed_projects_plan_demo, order=71)
        register_sample_pages(key="projects", resolve=a11y_pages.accessibility_pages, order=60)
        register_websockets(websocket_urlpatterns)
        self._register_agent_views(registry)

    def _register_agent_views(self, registry):
        """« Mes tâches » on the home page, the department page section, the search source, the API."""
        from django.db.models.signals import m2m_changed

        from intranet import dashboard
        from intranet.api import api

        from . import agent
        from .api import router
        from .models import Card, Member

        registry.register_dashboard_panel(
            key="projects-tasks",
            template="projects/_dashboard_panel.html",
            context=agent.dashboard_context,
            order=45,
            topics=(agent.DASHBOARD_TOPIC,),
            valid_until=agent.dashboard_valid_until,
        )
        # Saved or deleted cards and memberships bump the panel; the actions bump after their bulk updates
        # (card_edit, card_archive); assignments through the m2m signal.
        for model in (Card, Member):
            dashboard.bump_on_save(model, agent.DASHBOARD_TOPIC, uid=f"projects-{model._meta.model_name}")

        def assignees_changed(sender, **kwargs):
            dashboard.bump(agent.DASHBOARD_TOPIC)

        m2m_changed.connect(
            assignees_changed, sender=Card.assignees.through, weak=False, dispatch_uid="projects-assignees"
        )
        registry.register_department_section(
            key="projects",
            template="people/directory/_profile_section_links.html",
            context=agent.department_context,
            order=70,
        )
        registry.register_search_source(key="projects", label=_("Projets"), search=agent.search, order=50)
        api.add_router("/projects", router)
