"""The home page's panel « Mes prochains événements » and what invalidates its cached fragment: pages
(topic « pages », bumped by the core on any publication) and registrations (topic « events », bumped by
events.actions for the agents concerned)."""

from django.utils import timezone

from .queries import dashboard_events


def next_events_panel(request):
    events = dashboard_events(request.user, now=timezone.now())
    return {"events": events} if events else None


def next_events_valid_until(context):
    """The panel changes by itself when its first event ends."""
    return min((e.end for e in context["events"]), default=None)
