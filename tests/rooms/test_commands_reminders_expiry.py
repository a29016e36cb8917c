"""rooms_remind and rooms_expire: due requests only, idempotent."""

from datetime import datetime, timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from intranet.notifications.models import Notification
from rooms.actions import booking_request, bookings_expire_pending, bookings_remind_pending
from rooms.choices import BookingStatus
from rooms.models import Booking
from rooms.recurrence import PARIS

from .conftest import slot, working_day


def _pending(world, created_at, day_offset=14, hour="10:00"):
    start, end = slot(working_day(day_offset), hour, "11:00" if hour == "10:00" else "12:00")
    b = booking_request(room=world.approval, requester=world.agent, title="Conseil", start=start, end=end)
    Booking.objects.filter(pk=b.pk).update(created_at=created_at)
    return b


def test_reminder_after_n_working_days_only_once(world, settings):
    settings.ROOMS_REMINDER_WORKING_DAYS = 2
    # a Wednesday: the request made on Monday is 2 working days old, the one from Tuesday only 1
    now = datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
    old = _pending(world, now - timedelta(days=2))
    _pending(world, now - timedelta(days=1), hour="11:00")
    Notification.objects.all().delete()
    assert bookings_remind_pending(now=now) == 1
    n = Notification.objects.get(verb="rooms.reminder")
    assert n.recipient == world.manager and str(old.pk) in n.url
    assert bookings_remind_pending(now=now) == 0
    assert bookings_remind_pending(now=now + timedelta(hours=3)) == 0
    # two working days later the other request is due, and the first one again
    assert bookings_remind_pending(now=now + timedelta(days=2)) == 2


def test_reminder_counts_working_days_not_weekends(world, settings):
    settings.ROOMS_REMINDER_WORKING_DAYS = 2
    friday = datetime(2026, 12, 4, 17, 0, tzinfo=PARIS)
    _pending(world, friday)
    assert bookings_remind_pending(now=friday + timedelta(days=3)) == 0  # Monday: 1 working day
    assert bookings_remind_pending(now=friday + timedelta(days=4)) == 1  # Tuesday


def test_expiry_of_past_pending_requests_is_idempotent(world):
    b = _pending(world, timezone.now())
    Booking.objects.filter(pk=b.pk).update(
        start=timezone.now() - timedelta(hours=2), end=timezone.now() - timedelta(hours=1)
    )
    future = _pending(world, timezone.now(), day_offset=21)
    out = StringIO()
    call_command("rooms_expire", stdout=out)
    assert "1 demande(s) expirée(s)" in out.getvalue()
    b.refresh_from_db()
    future.refresh_from_db()
    assert b.status == BookingStatus.EXPIRED and future.status == BookingStatus.PENDING
    assert Notification.objects.filter(recipient=world.agent, verb="rooms.expired").count() == 1
    assert bookings_expire_pending() == 0
    call_command("rooms_remind", stdout=out)
