"""The booking confirmation and its .ics invitation are a notification like any other (R12): recorded with the
booking in one transaction, mailed as the requester chose for « Réservations de salles », retried with its
invitation after an SMTP failure, visible to IT while failing."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from intranet.notifications.actions import notification_preferences_set
from intranet.notifications.digest import digest_send
from intranet.notifications.kinds import Delivery, Kind
from intranet.notifications.models import Notification
from intranet.notifications.outbox import EMAIL_KIND
from intranet.outbox.actions import outbox_retry_now
from intranet.outbox.models import OutboxItem
from intranet.outbox.queries import outbox_failing
from intranet.outbox.registry import DEFAULT_QUEUE
from intranet.outbox.worker import run_due
from rooms.actions import booking_approve, booking_request
from rooms.choices import BookingStatus
from rooms.models import Booking, Room, Site
from rooms.tasks import send_booking_invitation
from tests.rooms.conftest import slot, working_day

pytestmark = pytest.mark.django_db

LOCMEM = mail.get_connection().__class__


@pytest.fixture
def rooms(db, make_user):
    site = Site.objects.create(name="Siège", slug="siege", address="Hazebrouck")
    manager = make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre")
    free = Room.objects.create(name="Petite salle", slug="petite", site=site, capacity=6)
    council = Room.objects.create(
        name="Salle du conseil", slug="conseil", site=site, capacity=30, requires_approval=True
    )
    council.managers.set([manager])
    return free, council, manager


def _book(room, agent, title="Réunion d'équipe"):
    return booking_request(
        room=room,
        requester=agent,
        title=title,
        start=slot(working_day(), "10:00", "11:00")[0],
        end=slot(working_day(), "10:00", "11:00")[1],
    )


def _invitation(message):
    ((name, content, mimetype),) = message.attachments
    assert name == "reservation.ics" and mimetype.startswith("text/calendar")
    return str(content)


def test_immediate_one_mail_with_the_invitation_and_unsubscribe_link(
    rooms, agent, django_capture_on_commit_callbacks
):
    free, _council, _manager = rooms
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(free, agent)
    (n,) = Notification.objects.filter(recipient=agent)
    assert (n.verb, n.kind, n.place, n.mail, n.emailed) == (
        "rooms.confirmed",
        Kind.BOOKINGS,
        "Petite salle",
        Delivery.IMMEDIATE,
        True,
    )
    assert "Réunion d'équipe" in n.text and n.url == f"/salles/reservations/{booking.pk}/"
    (message,) = mail.outbox
    assert message.to == [agent.email] and "est confirmée" in message.subject
    assert "BEGIN:VEVENT" in _invitation(message) and "Petite salle" in _invitation(message)
    assert "/compte/notifications/desabonnement/" in message.extra_headers["List-Unsubscribe"]
    assert "Réservations de salles" in message.body
    assert OutboxItem.objects.get(kind=EMAIL_KIND).done_at is not None


def test_the_confirmation_is_recorded_in_the_bookings_transaction(rooms, agent):
    """A booking rolled back after its confirmation leaves no notification and no e-mail row."""
    free, _council, _manager = rooms
    with pytest.raises(RuntimeError), transaction.atomic():
        _book(free, agent)
        raise RuntimeError("the caller fails after booking")
    assert not Booking.objects.exists() and not Notification.objects.exists()
    assert not OutboxItem.objects.exists() and mail.outbox == []


def test_digest_and_none_follow_the_agents_choice(
    rooms, agent, make_user, django_capture_on_commit_callbacks
):
    free, _council, _manager = rooms
    daily = make_user()
    notification_preferences_set(user=agent, choices={Kind.BOOKINGS: Delivery.NONE})
    notification_preferences_set(user=daily, choices={Kind.BOOKINGS: Delivery.DIGEST})
    with django_capture_on_commit_callbacks(execute=True):
        _book(free, agent)
        booking_request(
            room=free,
            requester=daily,
            title="Point RH",
            start=slot(working_day(), "14:00", "15:00")[0],
            end=slot(working_day(), "14:00", "15:00")[1],
        )
    assert mail.outbox == [] and not OutboxItem.objects.filter(kind=EMAIL_KIND).exists()
    assert Notification.objects.filter(recipient=agent, verb="rooms.confirmed", mail=Delivery.NONE).exists()
    assert digest_send().mails == 1
    (digest,) = mail.outbox
    assert digest.to == [daily.email] and "Point RH" in digest.body and "Petite salle" in digest.body


def test_approval_mails_the_invitation_once(rooms, agent, django_capture_on_commit_callbacks):
    """A request approved by the manager: one notification for the requester, one e-mail carrying the .ics."""
    _free, council, manager = rooms
    pending = _book(council, agent)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=pending, approver=manager)
    assert list(Notification.objects.filter(recipient=agent).values_list("verb", flat=True)) == [
        "rooms.approved"
    ]
    (message,) = mail.outbox
    assert message.to == [agent.email] and "BEGIN:VEVENT" in _invitation(message)


def test_an_smtp_failure_is_retried_with_the_invitation(rooms, agent, django_capture_on_commit_callbacks):
    free, _council, _manager = rooms

    def refuse(self, messages):
        raise OSError("421 service not available")

    with mock.patch.object(LOCMEM, "send_messages", refuse), django_capture_on_commit_callbacks(execute=True):
        _book(free, agent)
    assert mail.outbox == []
    (item,) = outbox_failing()
    assert item.kind == EMAIL_KIND and "421" in item.last_error
    outbox_retry_now(ids=[item.pk])
    assert run_due(queue=DEFAULT_QUEUE) == (1, 0)
    (message,) = mail.outbox
    assert message.to == [agent.email] and "BEGIN:VEVENT" in _invitation(message)
    assert run_due(queue=DEFAULT_QUEUE) == (0, 0) and len(mail.outbox) == 1


def test_a_job_queued_before_the_upgrade_notifies_the_same_way(
    rooms, agent, django_capture_on_commit_callbacks
):
    free, _council, _manager = rooms
    booking = _book(free, agent)
    Notification.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_booking_invitation.call(booking.pk) == 1
    assert [m.to for m in mail.outbox] == [[agent.email]] and mail.outbox[0].attachments
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status"])
    assert send_booking_invitation.call(booking.pk) == 0
