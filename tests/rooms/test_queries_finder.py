"""Free-room finder and next free slot: correct answers, a constant number of queries."""

from datetime import timedelta

from rooms.actions import booking_cancel, booking_request
from rooms.permissions import actor_for
from rooms.queries import FinderQuery, free_rooms, next_free_slots, rooms_with_gap

from .conftest import slot, working_day


def q(world, day, start="10:00", end="11:00", **kw):
    s, e = slot(day, start, end)
    return FinderQuery(start=s, end=e, **kw)


def test_free_rooms_smallest_sufficient_first_with_equipment_capacity_and_site(world):
    day = working_day()
    actor = actor_for(world.agent)
    names = [r.slug for r in free_rooms(actor, q(world, day, capacity=5))]
    # the restricted room is not offered to an agent outside its department
    assert names == ["petite", "moyenne", "conseil", "grande"]
    assert [r.slug for r in free_rooms(actor, q(world, day, capacity=8, equipment=["videoprojecteur"]))] == [
        "moyenne",
        "conseil",
        "grande",
    ]
    assert [
        r.slug
        for r in free_rooms(
            actor, q(world, day, capacity=1, equipment=["videoprojecteur", "visioconference"])
        )
    ] == ["moyenne"]
    assert [r.slug for r in free_rooms(actor, q(world, day, capacity=1, site=world.cassel.pk))] == ["grande"]
    assert "salle-rh" in [r.slug for r in free_rooms(actor_for(world.manager), q(world, day))]


def test_busy_and_pending_rooms_are_excluded_cancelled_are_not(world):
    day = working_day()
    actor = actor_for(world.other)
    b = booking_request(
        room=world.small, requester=world.agent, title="x", start=q(world, day).start, end=q(world, day).end
    )
    booking_request(
        room=world.approval,
        requester=world.agent,
        title="y",
        start=q(world, day, "10:30", "12:00").start,
        end=q(world, day, "10:30", "12:00").end,
    )
    slugs = [r.slug for r in free_rooms(actor, q(world, day))]
    assert "petite" not in slugs and "conseil" not in slugs and "moyenne" in slugs
    # back-to-back is free
    assert "petite" in [r.slug for r in free_rooms(actor, q(world, day, "11:00", "12:00"))]
    booking_cancel(booking=b, actor=world.agent)
    assert "petite" in [r.slug for r in free_rooms(actor, q(world, day))]


def test_outside_opening_hours_or_days_nothing_is_free(world):
    day = working_day()
    actor = actor_for(world.agent)
    assert free_rooms(actor, q(world, day, "18:30", "19:30")) == []
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    assert free_rooms(actor, q(world, saturday)) == []


def test_finder_runs_a_constant_number_of_queries(world, django_assert_num_queries):
    """Rooms + their equipment (prefetch) + the actor's departments: 3 queries, whatever the data."""
    day = working_day()
    for h in range(8, 18):
        booking_request(
            room=world.big,
            requester=world.agent,
            title="x",
            start=slot(day, f"{h:02}:00", "00:00")[0],
            end=slot(day, f"{h:02}:00", "00:00")[0] + timedelta(hours=1),
        )
    actor = actor_for(world.agent)
    with django_assert_num_queries(2):
        free_rooms(actor, q(world, day, equipment=["videoprojecteur"]))
    with django_assert_num_queries(1):
        free_rooms(actor, q(world, day), with_equipment=False)
    with django_assert_num_queries(2):  # candidate rooms, their bookings in the window
        rooms_with_gap(actor, q(world, day, "08:00", "12:00", duration=timedelta(minutes=30)), exclude=set())


def test_rooms_with_a_gap_inside_the_window(world):
    day = working_day()
    actor = actor_for(world.agent)
    booking_request(
        room=world.small,
        requester=world.agent,
        title="x",
        start=slot(day, "08:00", "09:30")[0],
        end=slot(day, "08:00", "09:30")[1],
    )
    found = rooms_with_gap(
        actor, q(world, day, "08:00", "10:00", duration=timedelta(minutes=30)), exclude=set()
    )
    by_slug = {r.slug: at for r, at in found}
    assert by_slug["petite"] == slot(day, "09:30", "10:00")[0]
    assert by_slug["moyenne"] == slot(day, "08:00", "10:00")[0]


def test_next_free_slot_skips_busy_time_in_one_query(world, django_assert_num_queries):
    day = working_day()
    booking_request(
        room=world.small,
        requester=world.agent,
        title="x",
        start=slot(day, "08:00", "10:00")[0],
        end=slot(day, "08:00", "10:00")[1],
    )
    booking_request(
        room=world.small,
        requester=world.agent,
        title="y",
        start=slot(day, "10:30", "12:00")[0],
        end=slot(day, "10:30", "12:00")[1],
    )
    after = slot(day, "08:00", "08:00")[0]
    with django_assert_num_queries(1):
        slots = next_free_slots(world.small, after, timedelta(hours=1), count=2)
    assert slots[0] == (slot(day, "12:00", "13:00")[0], slot(day, "12:00", "13:00")[1]), slots
    # one suggestion per free gap: the next is the following opening day at 08:00
    assert (
        slots[1][0] > slots[0][0]
        and slots[1][0].astimezone(slots[0][0].tzinfo)
        and (
            slots[1][0].astimezone(__import__("rooms.recurrence").recurrence.PARIS).strftime("%H:%M")
            == "08:00"
        )
    )
