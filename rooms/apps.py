from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _search(user, query, limit):
    from .search import search

    return search(user, query, limit)


def _seed(*, stdout, agents):
    from .demo import seed_rooms

    seed_rooms(stdout=stdout, agents=agents)


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = _("Salles")

    def ready(self):
        from intranet.accessibility.pages import register_sample_pages
        from intranet.api import api
        from intranet.registry import (
            register_dashboard_panel,
            register_demo_seeder,
            register_nav,
            register_presence_section,
            register_search_source,
        )

        from . import (
            a11y_pages,
            dashboard,
            handlers,  # noqa: F401  (connects the leaver receiver)
        )
        from .api import router
        from .models import DASHBOARD_TOPIC

        register_nav(key="rooms", label=_("Salles"), url=reverse_lazy("rooms:index"), order=40)
        register_dashboard_panel(
            key="rooms-upcoming",
            template="rooms/panel_upcoming.html",
            context=dashboard.upcoming_panel,
            order=40,
            topics=(DASHBOARD_TOPIC,),
            valid_until=dashboard.upcoming_valid_until,
        )
        register_dashboard_panel(
            key="rooms-approvals",
            template="rooms/panel_approvals.html",
            context=dashboard.approvals_panel,
            order=41,
            topics=(DASHBOARD_TOPIC,),
            valid_until=dashboard.approvals_valid_until,
        )
        dashboard.connect_receivers()
        register_search_source(key="rooms", label=_("Salles"), search=_search, order=40)
        # « Qui est là ? » per site: sites live here (issue 19).
        from .presence import presence_section

        register_presence_section(
            key="rooms-sites", template="rooms/_presence_sites.html", context=presence_section, order=10
        )
        register_demo_seeder(key="rooms", seeder=_seed, order=40)
        register_sample_pages(key="rooms", resolve=a11y_pages.accessibility_pages, order=40)
        from intranet.registry import register_room_booking_link

        from . import events_hook

        register_room_booking_link(validate=events_hook.validate, describe=events_hook.describe)
        api.add_router("/", router)
