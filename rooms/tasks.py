"""Background jobs: load by id, call the code that does the work."""

from django.db import transaction
from django_tasks import task

from .choices import BookingStatus


@task()
def send_booking_invitation(booking_id: int) -> int:
    """Kept for jobs queued before an upgrade: the confirmation with its .ics invitation is now a notification
    (`rooms.confirmed`) whose e-mail goes through the outbox, written in the booking's own transaction
    (actions.common._send_confirmation). A job still queued notifies the same way; returns 1 if it did."""
    from .actions.common import _send_confirmation
    from .models import Booking

    with transaction.atomic():
        booking = (
            Booking.objects.select_related("room", "room__site", "requester").filter(pk=booking_id).first()
        )
        if booking is None or booking.status != BookingStatus.APPROVED:
            return 0
        _send_confirmation(booking)
    return 1
