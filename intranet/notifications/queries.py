from django.conf import settings
from django.core.paginator import Paginator

from .models import Notification


def notification_page(user, page_number):
    """One page of the agent's notifications: one COUNT and one SELECT."""
    qs = Notification.objects.for_user(user).only("id", "verb", "text", "url", "created_at", "read_at")
    return Paginator(qs, settings.NOTIFICATIONS_PAGE_SIZE).get_page(page_number)
