from intranet import registry
from intranet.notifications.models import Notification


def dashboard_context(request) -> dict:
    """What the home page shows: latest notifications and the panels other apps registered."""
    user = request.user
    latest = list(Notification.objects.for_user(user).only("id", "text", "url", "created_at", "read_at")[:5])
    panels = []
    for panel in registry.dashboard_panels():
        ctx = panel.context(request)
        if ctx is not None:
            panels.append({"template": panel.template, "context": ctx, "key": panel.key})
    return {"latest_notifications": latest, "panels": panels}
