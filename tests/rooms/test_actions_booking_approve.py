"""Approval workflow: managers only, reasons, batch, already-decided requests, notifications."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404

from intranet.notifications.models import Notification
from rooms.actions import booking_approve, booking_reject, booking_request, bookings_approve_batch
from rooms.choices import BookingStatus

from .conftest import slot, working_day


@pytest.fixture
def pending(world):
    start, end = slot(working_day(), "10:00", "11:00")
    return booking_request(room=world.approval, requester=world.agent, title="Conseil", start=start, end=end)


def test_manager_approves_and_requester_is_notified_with_invitation(
    world, pending, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=pending, approver=world.manager)
    pending.refresh_from_db()
    assert pending.status == BookingStatus.APPROVED and pending.decided_by == world.manager
    assert Notification.objects.filter(recipient=world.agent, verb="rooms.approved").exists()
    assert mail.outbox[-1].to == ["marie.dupont@ccfi.example"] and mail.outbox[-1].attachments
    assert pending.history.count() == 2


def test_department_members_manage_the_room(world, pending, make_user):
    world.approval.manager_department = world.urba
    world.approval.save()
    booking_approve(booking=pending, approver=world.other)
    pending.refresh_from_db()
    assert pending.status == BookingStatus.APPROVED


@pytest.mark.parametrize("who", ["agent", "other", "outsider"])
def test_not_manager_gets_404(world, pending, who):
    """Approving someone else's room answers 404, the requester included."""
    with pytest.raises(Http404):
        booking_approve(booking=pending, approver=getattr(world, who))
    with pytest.raises(Http404):
        booking_reject(booking=pending, approver=getattr(world, who), reason="non")
    pending.refresh_from_db()
    assert pending.status == BookingStatus.PENDING
    booking_approve(booking=pending, approver=world.manager)


def test_reject_needs_a_reason_which_reaches_the_requester(world, pending):
    with pytest.raises(ValidationError) as exc:
        booking_reject(booking=pending, approver=world.manager, reason="  ")
    assert "motif" in exc.value.messages[0]
    booking_reject(booking=pending, approver=world.manager, reason="Salle réservée au conseil")
    n = Notification.objects.get(recipient=world.agent, verb="rooms.rejected")
    assert "Salle réservée au conseil" in n.text


def test_a_decided_request_cannot_be_decided_again(world, pending):
    booking_approve(booking=pending, approver=world.manager)
    with pytest.raises(ValidationError) as exc:
        booking_reject(booking=pending, approver=world.manager, reason="trop tard")
    assert "déjà été traitée" in exc.value.messages[0]


def test_rejected_request_frees_the_slot(world, pending):
    booking_reject(booking=pending, approver=world.manager, reason="non")
    again = booking_request(
        room=world.approval, requester=world.other, title="Autre", start=pending.start, end=pending.end
    )
    assert again.status == BookingStatus.PENDING


def test_manager_books_own_room_without_approval(world):
    b = booking_request(
        room=world.approval,
        requester=world.manager,
        title="Moi",
        start=slot(working_day(), "10:00", "11:00")[0],
        end=slot(working_day(), "10:00", "11:00")[1],
    )
    assert b.status == BookingStatus.APPROVED


def test_batch_approve_only_touches_rooms_the_manager_manages(world, make_user):
    day = working_day()
    mine = [
        booking_request(room=world.approval, requester=world.agent, title=f"R{i}", start=s, end=e)
        for i, (s, e) in enumerate([slot(day, "08:00", "09:00"), slot(day, "09:00", "10:00")])
    ]
    other_room = world.big
    other_room.requires_approval = True
    other_room.save()
    other_manager = make_user("autre.gestionnaire")
    other_room.managers.set([other_manager])
    foreign = booking_request(
        room=other_room,
        requester=world.agent,
        title="Ailleurs",
        start=slot(day, "08:00", "09:00")[0],
        end=slot(day, "08:00", "09:00")[1],
    )
    approved, errors = bookings_approve_batch(ids=[b.pk for b in mine] + [foreign.pk], approver=world.manager)
    assert approved == 2 and errors == []
    foreign.refresh_from_db()
    assert foreign.status == BookingStatus.PENDING
