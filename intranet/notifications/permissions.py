from django.shortcuts import get_object_or_404

from .models import Notification


def access_notification(user, pk) -> Notification:
    """The agent's own notification, or 404 (someone else's and missing answer alike)."""
    return get_object_or_404(Notification, pk=pk, recipient=user)
