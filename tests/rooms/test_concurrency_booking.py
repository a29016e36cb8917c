"""R1: concurrent requests for one room never produce overlapping live bookings (PostgreSQL and SQLite)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from rooms.actions import BookingConflict, booking_approve, booking_request
from rooms.choices import BookingStatus
from rooms.models import Booking

from .conftest import slot, working_day

pytestmark = pytest.mark.django_db(transaction=True)


def racers(n):
    # SQLite tests share one in-memory database whose table locks fail at once instead of waiting (a file
    # database waits up to its timeout): fewer racers keep the retries bounded.
    return 50 if connection.vendor == "postgresql" else 10


def run_in_threads(n, target):
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = target(i)
        except BookingConflict as exc:
            results[i] = exc
        except Exception as exc:  # noqa: BLE001  (reported by the assertions)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def overlapping_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM rooms_booking a JOIN rooms_booking b
               ON a.room_id = b.room_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
               WHERE a.status IN ('pending', 'approved') AND b.status IN ('pending', 'approved')"""
        )
        return cursor.fetchone()[0]


def test_racers_for_the_same_slot_exactly_one_wins(world):
    """N agents book the same slot at once: one booking, N-1 conflict answers, no other error."""
    n = racers(50)
    start, end = slot(working_day(), "10:00", "11:00")
    users = [world.agent, world.other, world.manager, world.outsider]

    results = run_in_threads(
        n,
        lambda i: booking_request(
            room=world.small, requester=users[i % 4], title=f"Course {i}", start=start, end=end, attendees=2
        ),
    )
    wins = [r for r in results if isinstance(r, Booking)]
    conflicts = [r for r in results if isinstance(r, BookingConflict)]
    assert len(wins) == 1, results
    assert len(conflicts) == n - 1, [r for r in results if not isinstance(r, (Booking, BookingConflict))]
    assert Booking.objects.count() == 1
    assert all("déjà réservée" in c.message or "vient d'être réservée" in c.message for c in conflicts)


def test_racers_with_shifted_slots_leave_no_overlap(world):
    """Overlapping but different slots (shifted by 15 minutes): the self-join finds no overlap."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "the shared in-memory SQLite test database sometimes fails a table lock at once instead of "
            "waiting; covered on PostgreSQL"
        )
    n = racers(50)
    day = working_day()
    base, _ = slot(day, "08:00", "09:00")

    def attempt(i):
        start = base + timedelta(minutes=15 * (i % 40))
        return booking_request(
            room=world.medium,
            requester=world.agent,
            title=f"Décalé {i}",
            start=start,
            end=start + timedelta(hours=1),
            attendees=2,
        )

    results = run_in_threads(n, attempt)
    assert all(isinstance(r, (Booking, BookingConflict)) for r in results), [
        repr(r) for r in results if not isinstance(r, (Booking, BookingConflict))
    ]
    assert Booking.objects.filter(room=world.medium).count() >= 2
    assert overlapping_pairs() == 0


def test_two_managers_deciding_the_same_request_at_once(world, make_user):
    """Two managers approve the same pending request at the same moment: one approval, one clear refusal."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "the shared in-memory SQLite test database fails a table lock at once instead of waiting; "
            "covered on PostgreSQL"
        )
    second = make_user("second.manager")
    world.approval.managers.add(second)
    start, end = slot(working_day(), "14:00", "15:00")
    pending = booking_request(
        room=world.approval, requester=world.agent, title="Conseil", start=start, end=end
    )
    managers = [world.manager, second]

    results = run_in_threads(
        2, lambda i: booking_approve(booking=Booking.objects.get(pk=pending.pk), approver=managers[i])
    )
    approved = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(approved) == 1 and len(refused) == 1, results
    assert "déjà été traitée" in refused[0].messages[0]
    assert Booking.objects.get(pk=pending.pk).status == BookingStatus.APPROVED
