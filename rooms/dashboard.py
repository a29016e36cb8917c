"""The home page's booking panels (« Mes prochaines réservations », « Validations en attente ») and what
invalidates their cached fragments (topic « rooms », intranet.dashboard)."""

from django.db.models import Count, Min
from django.db.models.signals import m2m_changed
from django.utils import timezone

from intranet import dashboard

from .choices import BookingStatus
from .models import DASHBOARD_TOPIC, Booking, BookingSeries, Room, Site
from .permissions import managed_rooms_q
from .queries import upcoming_for_panel


def upcoming_panel(request):
    return {"bookings": upcoming_for_panel(request.user)}


def upcoming_valid_until(context):
    """The panel changes by itself when its first booking ends."""
    return min((b.end for b in context["bookings"]), default=None)


def approvals_panel(request):
    """Pending requests for the rooms I manage that have not started, and when the first one starts: one
    query."""
    row = Booking.objects.filter(
        status=BookingStatus.PENDING,
        start__gt=timezone.now(),
        room__in=Room.objects.filter(managed_rooms_q(request.user)),
    ).aggregate(count=Count("pk"), first_start=Min("start"))
    return row if row["count"] else None


def approvals_valid_until(context):
    """A pending request stops counting once it starts."""
    return context["first_start"]


def connect_receivers() -> None:
    """Bookings, series, rooms (managers, active) and sites saved or deleted; bulk writes go through
    BookingQuerySet and RoomQuerySet."""
    for model in (Booking, BookingSeries, Room, Site):
        dashboard.bump_on_save(model, DASHBOARD_TOPIC, uid=f"rooms-{model._meta.model_name}")
    m2m_changed.connect(
        lambda sender, **kwargs: dashboard.bump(DASHBOARD_TOPIC),
        sender=Room.managers.through,
        weak=False,
        dispatch_uid="dashboard-rooms-managers",
    )
