"""Cancellation: own bookings, managers with a reason, leavers."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from intranet.notifications.models import Notification
from intranet.people.signals import user_deactivated
from rooms.actions import booking_cancel, booking_request
from rooms.choices import BookingStatus

from .conftest import slot, working_day


@pytest.fixture
def booked(world):
    start, end = slot(working_day(), "10:00", "11:00")
    return booking_request(room=world.approval, requester=world.agent, title="Conseil", start=start, end=end)


def test_requester_cancels_and_managers_are_told(world, booked):
    Notification.objects.all().delete()
    booking_cancel(booking=booked, actor=world.agent)
    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED
    assert Notification.objects.filter(recipient=world.manager, verb="rooms.cancelled").exists()
    with pytest.raises(ValidationError):
        booking_cancel(booking=booked, actor=world.agent)


def test_manager_cancels_with_a_reason_only(world, booked):
    with pytest.raises(ValidationError):
        booking_cancel(booking=booked, actor=world.manager)
    booking_cancel(booking=booked, actor=world.manager, reason="Travaux")
    n = Notification.objects.get(recipient=world.agent, verb="rooms.cancelled")
    assert "Travaux" in n.text


def test_another_agent_cannot_cancel(world, booked):
    with pytest.raises(Http404):
        booking_cancel(booking=booked, actor=world.other, reason="non")


def test_leaver_future_bookings_are_cancelled(world, booked):
    """The people app's user_deactivated signal cancels the leaver's future bookings."""
    world.agent.is_active = False
    world.agent.save()
    user_deactivated.send(sender=None, user=world.agent, reason="manual", actor=None)
    booked.refresh_from_db()
    assert booked.status == BookingStatus.CANCELLED
    assert Notification.objects.filter(recipient=world.manager, text__contains="a quitté").exists()
