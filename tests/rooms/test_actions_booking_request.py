"""booking_request: rules, conflicts with their French answer, approval holding the slot."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from intranet.notifications.models import Notification
from rooms.actions import BookingConflict, booking_request
from rooms.choices import BookingStatus
from rooms.models import Booking, BookingPolicy
from rooms.recurrence import local_datetime

from .conftest import slot, working_day


def book(room, user, start, end, attendees=2, title="Réunion"):
    return booking_request(room=room, requester=user, title=title, start=start, end=end, attendees=attendees)


def test_booking_of_a_free_room_is_confirmed_with_an_ics_invitation(
    world, django_capture_on_commit_callbacks
):
    """A room without approval is confirmed at once; the requester receives the .ics by e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        b = book(world.small, world.agent, *slot(working_day(), "10:00", "11:00"))
    assert b.status == BookingStatus.APPROVED
    assert b.history.count() == 1
    assert len(mail.outbox) == 1
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert (
        name == "reservation.ics" and "BEGIN:VEVENT" in str(content) and mimetype.startswith("text/calendar")
    )


def test_booking_of_a_room_requiring_approval_is_pending_and_managers_are_notified(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        b = book(world.approval, world.agent, *slot(working_day(), "10:00", "11:00"))
    assert b.status == BookingStatus.PENDING
    n = Notification.objects.get(recipient=world.manager)
    assert "Salle du conseil" in n.text and n.url == f"/salles/reservations/{b.pk}/"
    assert [m.to for m in mail.outbox] == [["helene.lefebvre@ccfi.example"]]


def test_pending_request_holds_the_slot(world):
    """Pending requests block: nobody else can take the slot while a manager decides."""
    start, end = slot(working_day(), "10:00", "11:00")
    book(world.approval, world.agent, start, end)
    with pytest.raises(BookingConflict):
        book(world.approval, world.other, start, end)


def test_conflict_names_the_slot_and_offers_free_alternatives(world):
    day = working_day()
    book(world.small, world.agent, *slot(day, "10:00", "11:00"))
    with pytest.raises(BookingConflict) as exc:
        book(world.small, world.other, *slot(day, "10:30", "11:30"))
    msg = exc.value.message
    assert "déjà réservée" in msg and "de 10:00 à 11:00" in msg and "Petite salle" in msg
    assert world.medium in exc.value.free_rooms and world.small not in exc.value.free_rooms
    assert exc.value.next_slots and exc.value.next_slots[0][0] == slot(day, "11:00", "11:00")[0]
    assert Booking.objects.count() == 1


def test_back_to_back_bookings_are_allowed_and_one_minute_overlap_is_not(world):
    day = working_day()
    book(world.small, world.agent, *slot(day, "10:00", "11:00"))
    book(world.small, world.other, *slot(day, "11:00", "12:00"))
    with pytest.raises(BookingConflict):
        book(world.small, world.other, *slot(day, "11:59", "12:30"))
    assert Booking.objects.count() == 2


def test_cancelled_booking_frees_the_slot(world):
    from rooms.actions import booking_cancel

    start, end = slot(working_day(), "10:00", "11:00")
    b = book(world.small, world.agent, start, end)
    booking_cancel(booking=b, actor=world.agent)
    assert book(world.small, world.other, start, end).status == BookingStatus.APPROVED


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("end_before_start", "postérieure"),
        ("zero", "postérieure"),
        ("too_short", "au moins"),
        ("too_long", "au plus"),
        ("before_opening", "ouverte de 08:00 à 19:00"),
        ("past", "passé"),
        ("capacity", "accueille 6 personnes au plus"),
        ("too_far", "à l'avance"),
        ("weekend", "fermée ce jour-là"),
        ("not_allowed", "réservée à certains services"),
    ],
)
def test_bad_input_is_refused_in_french(world, case, expected):
    """Each bad input gets its French message; the valid request afterwards proves it was for that reason."""
    day = working_day()
    start, end = slot(day, "10:00", "11:00")
    room, attendees = world.small, 2
    if case == "end_before_start":
        start, end = end, start
    elif case == "zero":
        end = start
    elif case == "too_short":
        end = start + timedelta(minutes=5)
    elif case == "too_long":
        start, end = slot(day, "08:00", "18:30")
        BookingPolicy.objects.create(name="Petite salle", room=world.small, max_duration=120)
    elif case == "before_opening":
        start, end = slot(day, "07:00", "08:30")
    elif case == "past":
        start, end = slot(working_day(-14), "10:00", "11:00")
    elif case == "capacity":
        attendees = 7
    elif case == "too_far":
        start, end = slot(working_day(500), "10:00", "11:00")
    elif case == "weekend":
        sat = day + timedelta(days=(5 - day.weekday()) % 7)
        start, end = slot(sat, "10:00", "11:00")
    elif case == "not_allowed":
        room = world.restricted
    with pytest.raises(ValidationError) as exc:
        book(room, world.agent, start, end, attendees=attendees)
    assert expected in " ".join(exc.value.messages)
    assert Booking.objects.count() == 0
    ok_room = world.restricted if case == "not_allowed" else world.small
    user = world.manager if case == "not_allowed" else world.agent
    assert book(ok_room, user, *slot(day, "10:00", "11:00")).pk


def test_department_of_a_parent_grants_booking(world, host_org):
    """A room open to a direction is open to the agents of its services."""
    from intranet.people.actions import department_create

    child = department_create(name="Paie", organisation=host_org, parent=world.rh)
    world.agent.department = child
    world.agent.save()
    assert book(world.restricted, world.agent, *slot(working_day(), "10:00", "11:00")).pk


def test_nonexistent_local_time_in_march_is_refused():
    """02:30 on 2027-03-28 does not exist in Europe/Paris."""
    from datetime import date

    with pytest.raises(ValidationError) as exc:
        local_datetime(date(2027, 3, 28), time(2, 30))
    assert "n'existe pas" in exc.value.messages[0]


def test_october_night_booking_lasts_three_hours_and_does_not_falsely_collide(world):
    """01:30–03:30 local on 2027-10-31 (the change back) lasts 3 h; 03:30–04:30 is back-to-back."""
    from datetime import date

    room = world.big
    BookingPolicy.objects.create(
        name="Jour et nuit",
        room=room,
        opens_at=time(0, 0),
        closes_at=time(23, 59),
        open_days="1234567",
        max_duration=1440,
        window_days=400,
    )
    day = date(2027, 10, 31)
    start, end = local_datetime(day, time(1, 30)), local_datetime(day, time(3, 30))
    b = book(room, world.agent, start, end)
    assert b.end - b.start == timedelta(hours=3)
    after = book(room, world.other, local_datetime(day, time(3, 30)), local_datetime(day, time(4, 30)))
    assert after.pk


def test_the_database_refuses_an_overlap_that_bypasses_the_action(world):
    """The guarantee is in the database (exclusion constraint on PostgreSQL, triggers on SQLite)."""
    start, end = slot(working_day(), "10:00", "11:00")
    Booking.objects.create(
        room=world.small,
        requester=world.agent,
        title="a",
        start=start,
        end=end,
        status=BookingStatus.APPROVED,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            room=world.small,
            requester=world.agent,
            title="b",
            start=start + timedelta(minutes=30),
            end=end,
            status=BookingStatus.PENDING,
        )
    # a cancelled row may overlap; moving it back to approved may not
    c = Booking.objects.create(
        room=world.small,
        requester=world.agent,
        title="c",
        start=start,
        end=end,
        status=BookingStatus.CANCELLED,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=c.pk).update(status=BookingStatus.APPROVED)
    # back-to-back rows are fine at the database level too
    Booking.objects.create(
        room=world.small,
        requester=world.agent,
        title="d",
        start=end,
        end=end + timedelta(hours=1),
        status=BookingStatus.APPROVED,
    )


def test_random_intervals_match_a_brute_force_model(world):
    """Property (seeded random instead of Hypothesis): accepted bookings are pairwise disjoint and every
    refused one overlaps an accepted one."""
    import random

    rng = random.Random(1)
    day = working_day()
    accepted: list[tuple] = []
    for _ in range(60):
        start_min = rng.randrange(8 * 60, 18 * 60, 5)
        length = rng.choice([15, 30, 45, 60, 90])
        s = local_datetime(day, time(start_min // 60, start_min % 60))
        e = s + timedelta(minutes=length)
        if e > local_datetime(day, time(19)):
            continue
        clash = any(a < e and s < b for a, b in accepted)
        try:
            book(world.medium, world.agent, s, e)
        except BookingConflict:
            assert clash
        else:
            assert not clash
            accepted.append((s, e))
    live = list(Booking.objects.blocking().filter(room=world.medium).values_list("start", "end"))
    assert sorted(live) == sorted(accepted)
