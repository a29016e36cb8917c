from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _seed(*, stdout, agents):
    from .demo import seed_events

    seed_events(stdout=stdout, agents=agents)


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Agenda")

    def ready(self):
        from intranet import dashboard as core_dashboard
        from intranet.accessibility.pages import register_sample_pages
        from intranet.registry import register_dashboard_panel, register_demo_seeder, register_nav

        from . import a11y_pages, dashboard
        from .models import DASHBOARD_TOPIC

        register_nav(key="events", label=_("Agenda"), url=reverse_lazy("events:month"), order=35)
        register_dashboard_panel(
            key="events-next",
            template="events/panel_next.html",
            context=dashboard.next_events_panel,
            order=35,
            topics=(core_dashboard.PAGES, DASHBOARD_TOPIC),
            valid_until=dashboard.next_events_valid_until,
        )
        register_demo_seeder(key="events", seeder=_seed, order=45)
        register_sample_pages(key="events", resolve=a11y_pages.accessibility_pages, order=35)
