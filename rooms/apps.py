from django.apps import AppConfig
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _upcoming_panel(request):
    from .queries import upcoming_for_panel

    return {"bookings": upcoming_for_panel(request.user)}


def _approvals_panel(request):
    from .queries import pending_approvals_count

    count = pending_approvals_count(request.user)
    return {"count": count} if count else None


def _search(user, query, limit):
    from django.urls import reverse

    from intranet.registry import SearchHit

    from .queries import search_rooms

    rooms, total = search_rooms(user, query, limit)
    hits = [
        SearchHit(
            title=room.name,
            url=reverse("rooms:room", args=[room.pk]),
            snippet=(room.description or "")[:200],
            meta=f"{room.site.name} · {room.capacity} places",
        )
        for room in rooms
    ]
    return hits, total


def _seed(*, stdout, agents):
    from .demo import seed_rooms

    seed_rooms(stdout=stdout, agents=agents)


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = _("Salles")

    def ready(self):
        from intranet.api import api
        from intranet.registry import (
            register_dashboard_panel,
            register_demo_seeder,
            register_nav,
            register_search_source,
        )

        from . import handlers  # noqa: F401  (connects the leaver receiver)
        from .api import router

        register_nav(key="rooms", label=_("Salles"), url=reverse_lazy("rooms:index"), order=40)
        register_dashboard_panel(
            key="rooms-upcoming", template="rooms/panel_upcoming.html", context=_upcoming_panel, order=40
        )
        register_dashboard_panel(
            key="rooms-approvals", template="rooms/panel_approvals.html", context=_approvals_panel, order=41
        )
        register_search_source(key="rooms", label=_("Salles"), search=_search, order=40)
        register_demo_seeder(key="rooms", seeder=_seed, order=40)
        api.add_router("/", router)
