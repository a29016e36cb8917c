from django.db.models import Count, Q, Window

from intranet import registry
from intranet.notifications.models import Notification


def dashboard_context(request) -> dict:
    """What the home page shows: latest notifications and the panels other apps registered.

    The unread total rides along with the latest notifications (a window over all of the agent's rows),
    which spares the header its own count query.
    """
    user = request.user
    latest = list(
        Notification.objects.for_user(user)
        .only("id", "text", "url", "created_at", "read_at")
        .annotate(unread_total=Window(Count("id", filter=Q(read_at__isnull=True))))[:5]
    )
    panels = []
    for panel in registry.dashboard_panels():
        ctx = panel.context(request)
        if ctx is not None:
            panels.append({"template": panel.template, "context": ctx, "key": panel.key})
    return {
        "latest_notifications": latest,
        "unread_count": latest[0].unread_total if latest else 0,
        "panels": panels,
    }
