"""Free-room finder and next free slot: correct answers, a constant number of queries."""

from datetime import time, timedelta

import pytest
from django.db.models import Exists, OuterRef

from rooms.actions import booking_cancel, booking_request
from rooms.choices import BookingStatus
from rooms.models import Booking, BookingPolicy, Room
from rooms.permissions import actor_for
from rooms.queries import (
    FinderQuery,
    blocking_overlap,
    candidate_rooms,
    free_rooms,
    next_free_slots,
    rooms_with_gap,
)

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
    """The free rooms with their site and equipment in one query (the actor's departments are read once
    per request, before); the gap search in two."""
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
    with django_assert_num_queries(1):
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


def _orm_free_rooms(actor, query):
    """The finder's question through the ORM (`candidate_rooms` + `blocking_overlap`), as the reference
    for its hand-written SQL: rooms with their site and equipment as model instances."""
    busy = blocking_overlap(Booking.objects.filter(room_id=OuterRef("pk")), query.start, query.end)
    rooms = candidate_rooms(actor, query).filter(~Exists(busy)).prefetch_related("equipment")
    return [
        (r.pk, r.slug, r.name, r.capacity, r.site.pk, r.site.name, r.site.address, r.floor)
        + (r.requires_approval, r.p_opens, r.p_closes)
        + (tuple((e.slug, e.name) for e in sorted(r.equipment.all(), key=lambda e: e.name)),)
        for r in rooms
    ]


def _answer(rooms):
    return [
        (r.pk, r.slug, r.name, r.capacity, r.site.pk, r.site.name, r.site.address, r.floor)
        + (r.requires_approval, r.opens_at, r.closes_at)
        + (tuple((slug, name) for slug, name in r.equipment_list),)
        for r in rooms
    ]


@pytest.mark.parametrize("who", ["agent", "manager", "outsider", "superuser", "sub_department"])
def test_free_rooms_sql_gives_the_orm_answer_for_every_filter_and_actor(world, make_user, who):
    """The finder's SQL and the ORM's `candidate_rooms` + `blocking_overlap` (the permission rule of
    `bookable_rooms_q`) agree on every filter, actor, booking status and boundary, rooms in the same order
    with the same site and equipment."""
    from intranet.people.actions import department_create

    users = {
        "agent": world.agent,
        "manager": world.manager,
        "outsider": world.outsider,
        "superuser": make_user("admin.rooms", superuser=True),
        "sub_department": make_user(
            "paie.agent",
            department=department_create(name="Paie", organisation=world.rh.organisation, parent=world.rh),
        ),
    }
    actor = actor_for(users[who])
    day = working_day()
    world.medium.floor = "2e étage"
    world.medium.save()
    BookingPolicy.objects.create(
        name="Grande salle", room=world.big, opens_at=time(9, 0), closes_at=time(17, 0), open_days="1234"
    )
    Room.objects.create(name="Salle fermée", slug="fermee", site=world.siege, capacity=10, is_active=False)
    for room, start, end, status in [
        (world.small, "10:00", "11:00", BookingStatus.APPROVED),
        (world.approval, "10:30", "12:00", BookingStatus.PENDING),
        (world.medium, "09:00", "10:00", BookingStatus.APPROVED),  # ends as the window starts
        (world.restricted, "10:00", "11:00", BookingStatus.CANCELLED),
        (world.big, "10:59", "11:30", BookingStatus.REJECTED),
    ]:
        s, e = slot(day, start, end)
        Booking.objects.create(room=room, requester=world.agent, title="x", start=s, end=e, status=status)
    friday = day + timedelta(days=(4 - day.weekday()) % 7)
    queries = [
        q(world, day),
        q(world, day, capacity=9),
        q(world, day, "08:00", "19:00"),
        q(world, day, "08:30", "17:30"),
        q(world, day, "11:00", "12:00"),
        q(world, day, "09:30", "10:30", capacity=1),
        q(world, day, equipment=["videoprojecteur"]),
        q(world, day, equipment=["videoprojecteur", "visioconference"]),
        q(world, day, equipment=["inconnu"]),
        q(world, day, site=world.cassel.pk),
        q(world, day, site=world.siege.pk, capacity=7),
        q(world, friday),
        q(world, day, "18:30", "19:30"),
        q(world, day + timedelta(days=(5 - day.weekday()) % 7)),
    ]
    nonempty = 0
    for query in queries:
        expected = _orm_free_rooms(actor, query)
        assert _answer(free_rooms(actor, query)) == expected, query
        assert _answer(free_rooms(actor, query, limit=2)) == expected[:2], query
        nonempty += bool(expected)
    assert nonempty >= 8  # the comparison is not between empty lists


@pytest.mark.parametrize("who", ["agent", "manager", "outsider", "superuser", "sub_department"])
def test_free_rooms_sql_applies_who_may_book_of_the_policies_like_the_orm(world, make_user, host_org, who):
    """Policies restricting booking to departments or employers (a site's, a room's own that replaces it,
    one restricting both): the finder's SQL (the agent's denied policies as one set) gives the ORM's rooms
    (`policy_allows_q`) for every kind of agent."""
    from intranet.people.actions import department_create

    users = {
        "agent": world.agent,
        "manager": world.manager,
        "outsider": world.outsider,
        "superuser": make_user("admin.rooms", superuser=True),
        "sub_department": make_user(
            "paie.agent",
            department=department_create(name="Paie", organisation=world.rh.organisation, parent=world.rh),
            employer=host_org,
        ),
    }
    world.manager.employer = host_org
    world.manager.save()
    BookingPolicy.objects.create(name="Siège", site=world.siege).departments.set([world.rh])
    BookingPolicy.objects.create(
        name="Moyenne", room=world.medium
    )  # its own, open to all, replaces the site's
    BookingPolicy.objects.create(name="Petite", room=world.small).employers.set([host_org])
    both = BookingPolicy.objects.create(name="Grande", room=world.big)
    both.departments.set([world.rh, world.urba])
    both.employers.set([host_org])
    actor = actor_for(users[who])
    day = working_day()
    for query in (q(world, day), q(world, day, capacity=7), q(world, day, site=world.siege.pk)):
        expected = _orm_free_rooms(actor, query)
        assert _answer(free_rooms(actor, query)) == expected, query
    seen = {r[2] for r in _orm_free_rooms(actor, q(world, day))}
    assert (
        seen
        == {
            "agent": {"Salle moyenne"},
            "manager": {"Salle moyenne", "Petite salle", "Grande salle", "Salle du conseil", "Salle RH"},
            "outsider": {"Salle moyenne"},
            "superuser": {"Salle moyenne", "Petite salle", "Grande salle", "Salle du conseil", "Salle RH"},
            "sub_department": {
                "Salle moyenne",
                "Petite salle",
                "Grande salle",
                "Salle du conseil",
                "Salle RH",
            },
        }[who]
    )


def test_free_rooms_one_query_at_two_data_sizes(world, django_assert_num_queries):
    """The same single query for 5 rooms and a few bookings as for 60 rooms with a month of bookings."""
    from rooms.models import Equipment

    actor = actor_for(world.agent)
    day = working_day()
    with django_assert_num_queries(1):
        small = free_rooms(actor, q(world, day))
    rooms = Room.objects.bulk_create(
        [
            Room(name=f"Salle {i:02}", slug=f"salle-{i:02}", site=world.siege, capacity=2 + i)
            for i in range(55)
        ]
    )
    extra = Equipment.objects.create(name="Tableau blanc", slug="tableau")
    through = Room.equipment.through
    through.objects.bulk_create(
        [through(room_id=r.pk, equipment_id=e.pk) for r in rooms for e in (world.projector, extra)]
    )
    bookings = []
    for d in range(30):
        for i, room in enumerate(rooms):
            s, e = slot(day + timedelta(days=d - 10), f"{8 + i % 10:02}:00", f"{9 + i % 10:02}:00")
            bookings.append(Booking(room=room, requester=world.agent, title="x", start=s, end=e))
    Booking.objects.bulk_create(bookings)
    with django_assert_num_queries(1):
        large = free_rooms(actor, q(world, day))
    assert len(small) == 4 and len(large) > 40
    pairs = [("tableau", "Tableau blanc"), ("videoprojecteur", "Vidéoprojecteur")]
    assert all([tuple(p) for p in r.equipment_list] == pairs for r in large if r.slug.startswith("salle-"))
    assert _answer(large) == _orm_free_rooms(actor, q(world, day))


def test_free_rooms_compare_equal_to_their_rooms(world):
    free = free_rooms(actor_for(world.agent), q(world, working_day()))
    assert world.small in free and world.restricted not in free
    assert free[0] == world.small and free[0] != world.medium and str(free[0]) == world.small.name
    assert {free[0], world.small} == {world.small}
