"""Reads across rooms and bookings, each with a constant number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Window
from django.utils import timezone

from intranet.people.queries import accent_pattern

from .choices import BLOCKING_STATUSES, BookingStatus
from .models import Booking, Equipment, Room, Site, TsTzRange
from .permissions import Actor, bookable_rooms_q, managed_room_ids, managed_rooms_q
from .recurrence import PARIS, UTC, local_datetime, to_local

_BLOCKING = [s.value for s in BLOCKING_STATUSES]


def blocking_overlap(qs, start: datetime, end: datetime):
    """Blocking bookings of `qs` overlapping [start, end). On PostgreSQL, written as the exclusion
    constraint's expression so that its GiST index answers."""
    qs = qs.filter(status__in=_BLOCKING)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.fields import RangeBoundary
        from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

        # The same expression as the constraint, bounds included, or PostgreSQL will not use its index.
        span = TsTzRange("start", "end", RangeBoundary())
        return qs.annotate(span=span).filter(span__overlap=DateTimeTZRange(start, end, "[)"))
    return qs.overlapping(start, end)


@dataclass
class FinderQuery:
    start: datetime
    end: datetime
    duration: timedelta | None = None  # shorter than the window: any free gap of this length inside it
    capacity: int = 1
    equipment: list[str] = field(default_factory=list)
    site: int | None = None


def candidate_rooms(actor: Actor, q: FinderQuery):
    """Rooms the agent may book, big enough, equipped, open over the whole window; smallest first."""
    local_start, local_end = to_local(q.start), to_local(q.end)
    rooms = Room.objects.filter(
        bookable_rooms_q(actor),
        capacity__gte=q.capacity,
        opens_at__lte=local_start.time(),
        open_days__contains=str(local_start.isoweekday()),
    )
    # A window ending at midnight or on another day is outside every room's hours.
    if local_end.date() == local_start.date():
        rooms = rooms.filter(closes_at__gte=local_end.time())
    else:
        rooms = rooms.none()
    if q.site:
        rooms = rooms.filter(site_id=q.site)
    for slug in q.equipment:
        rooms = rooms.filter(
            Exists(Room.equipment.through.objects.filter(room_id=OuterRef("pk"), equipment__slug=slug))
        )
    return rooms.select_related("site").order_by("capacity", "site__name", "name", "pk")


def free_rooms(
    actor: Actor,
    q: FinderQuery,
    *,
    limit: int | None = None,
    with_equipment: bool = True,
    ids_only: bool = False,
    queryset: bool = False,
):
    """Rooms free over the whole window: one query (plus one for their equipment), index-driven."""
    busy = blocking_overlap(Booking.objects.filter(room_id=OuterRef("pk")), q.start, q.end)
    rooms = candidate_rooms(actor, q).filter(~Exists(busy))
    if ids_only:
        rooms = rooms.values_list("pk", flat=True)
        return rooms if queryset else list(rooms)
    rooms = list(rooms[:limit] if limit else rooms)
    if with_equipment:
        attach_equipment(rooms)
    return rooms


def attach_equipment(rooms: list[Room]) -> None:
    """`room.equipment_list` = [(slug, name)…] for every room, in one query and without model instances
    (cheaper than a prefetch for the finder's hundred-odd rooms)."""
    by_room: dict[int, list[tuple[str, str]]] = {r.pk: [] for r in rooms}
    if by_room:
        rows = (
            Room.equipment.through.objects.filter(room_id__in=list(by_room))
            .order_by("equipment__name")
            .values_list("room_id", "equipment__slug", "equipment__name")
        )
        for room_id, slug, name in rows:
            by_room[room_id].append((slug, name))
    for room in rooms:
        room.equipment_list = by_room[room.pk]


def rooms_with_gap(
    actor: Actor, q: FinderQuery, exclude: set[int], limit: int = 50
) -> list[tuple[Room, datetime]]:
    """Rooms busy for part of the window but with a free gap of `q.duration` in it: (room, first free start).

    Two queries: the candidate rooms, then their blocking bookings in the window."""
    rooms = [r for r in candidate_rooms(actor, q)[:200] if r.pk not in exclude]
    if not rooms or not q.duration:
        return []
    by_room: dict[int, list[Booking]] = {}
    for b in blocking_overlap(Booking.objects.filter(room__in=rooms), q.start, q.end).order_by("start"):
        by_room.setdefault(b.room_id, []).append(b)
    found = []
    for room in rooms:
        cursor = q.start
        for b in by_room.get(room.pk, []):
            if b.start - cursor >= q.duration:
                break
            cursor = max(cursor, b.end)
        if q.end - cursor >= q.duration and cursor + q.duration <= q.end:
            found.append((room, cursor))
        if len(found) >= limit:
            break
    return found


def next_free_slots(
    room: Room, after: datetime, duration: timedelta, *, count: int = 3, days: int = 14
) -> list:
    """The next `count` starts where `room` is free for `duration` within its opening hours: one query."""
    after = max(after, timezone.now())
    horizon = after + timedelta(days=days)
    busy = list(
        blocking_overlap(Booking.objects.filter(room=room), after, horizon)
        .order_by("start")
        .values_list("start", "end")
    )
    slots: list[tuple[datetime, datetime]] = []
    day = to_local(after).date()
    while day <= to_local(horizon).date() and len(slots) < count:
        if str(day.isoweekday()) in room.open_days:
            try:
                opens, closes = local_datetime(day, room.opens_at), local_datetime(day, room.closes_at)
            except ValidationError:  # an opening hour inside the DST gap: no slot that day
                day += timedelta(days=1)
                continue
            cursor = max(opens, _round_up(after))
            for b_start, b_end in busy:
                if b_end <= cursor:
                    continue
                if b_start >= closes:
                    break
                if b_start - cursor >= duration:
                    slots.append((cursor, cursor + duration))
                cursor = max(cursor, b_end)
            if closes - cursor >= duration:
                slots.append((cursor, cursor + duration))
        day += timedelta(days=1)
    return slots[:count]


def _round_up(value: datetime, minutes: int = 15) -> datetime:
    value = to_local(value).replace(second=0, microsecond=0)
    extra = (-value.minute) % minutes
    return (value + timedelta(minutes=extra)).astimezone(UTC)


def conflicts(room: Room, start: datetime, end: datetime, *, exclude_pk: int | None = None) -> list[Booking]:
    qs = blocking_overlap(Booking.objects.filter(room=room), start, end).order_by("start")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs[:5])


# --- Calendars ---------------------------------------------------------------------------------------------

HOURS = list(range(7, 21))


@dataclass
class Cell:
    booking: Booking | None = None
    show_details: bool = False


def _cells_for(bookings: list[Booking], slots: list[tuple[datetime, datetime]], user, managed: set[int]):
    cells = []
    for s, e in slots:
        hit = next((b for b in bookings if b.start < e and b.end > s), None)
        cells.append(
            Cell(
                booking=hit,
                show_details=bool(
                    hit and (user.is_superuser or hit.requester_id == user.pk or hit.room_id in managed)
                ),
            )
        )
    return cells


def day_view(user, site: Site, day: date) -> dict:
    """Rooms of a site × hours of a day: three queries (rooms, bookings, managed rooms)."""
    rooms = list(Room.objects.active().filter(site=site).order_by("name"))
    slots = [(local_datetime(day, time(h)), local_datetime(day, time(h)) + timedelta(hours=1)) for h in HOURS]
    bookings = list(
        blocking_overlap(Booking.objects.filter(room__in=rooms), slots[0][0], slots[-1][1]).order_by("start")
    )
    managed = managed_room_ids(user)
    rows = []
    for room in rooms:
        mine = [b for b in bookings if b.room_id == room.pk]
        rows.append({"room": room, "cells": _cells_for(mine, slots, user, managed)})
    return {"site": site, "day": day, "hours": HOURS, "rows": rows}


def week_view(user, room: Room, monday: date) -> dict:
    """Hours × days of one room's week: two queries."""
    days = [monday + timedelta(days=i) for i in range(7)]
    start = local_datetime(days[0], time(0))
    end = local_datetime(days[-1] + timedelta(days=1), time(0))
    bookings = list(blocking_overlap(Booking.objects.filter(room=room), start, end).order_by("start"))
    managed = managed_room_ids(user)
    rows = []
    for h in HOURS:
        slots = [(local_datetime(d, time(h)), local_datetime(d, time(h)) + timedelta(hours=1)) for d in days]
        rows.append({"hour": h, "cells": _cells_for(bookings, slots, user, managed)})
    return {"room": room, "days": days, "rows": rows, "bookings": bookings}


def my_bookings(user, *, past: bool = False, limit: int = 100) -> list[Booking]:
    now = timezone.now()
    qs = Booking.objects.filter(requester=user).select_related("room", "room__site", "series")
    qs = qs.filter(end__lte=now).order_by("-start") if past else qs.filter(end__gt=now).order_by("start")
    return list(qs[:limit])


def pending_approvals(user, limit: int = 200):
    """Pending requests of rooms the user manages, oldest first; one query."""
    return list(
        Booking.objects.filter(
            status=BookingStatus.PENDING,
            start__gt=timezone.now(),
            room__in=Room.objects.filter(managed_rooms_q(user)),
        )
        .select_related("room", "room__site", "requester", "series")
        .order_by("start")[:limit]
    )


def pending_approvals_count(user) -> int:
    return Booking.objects.filter(
        status=BookingStatus.PENDING,
        start__gt=timezone.now(),
        room__in=Room.objects.filter(managed_rooms_q(user)),
    ).count()


def room_list(
    site: int | None = None, q: str = "", capacity: int | None = None, equipment: list | None = None
):
    rooms = Room.objects.active().select_related("site")
    if site:
        rooms = rooms.filter(site_id=site)
    if q:
        rooms = rooms.filter(Q(name__icontains=q) | Q(site__name__icontains=q) | Q(description__icontains=q))
    if capacity:
        rooms = rooms.filter(capacity__gte=capacity)
    for slug in equipment or []:
        rooms = rooms.filter(
            Exists(Room.equipment.through.objects.filter(room_id=OuterRef("pk"), equipment__slug=slug))
        )
    return rooms.prefetch_related(
        Prefetch("equipment", queryset=Equipment.objects.order_by("name"))
    ).order_by("site__name", "name")


def search_rooms(user, query: str, limit: int):
    """Active rooms matching every word (name, site, building, commune, description, equipment), whatever
    the accents and case, like every search source (« salle des fetes » finds « Salle des fêtes »)."""
    words = query.split()[:6]
    rooms = Room.objects.active().select_related("site")
    for w in words:
        pattern = accent_pattern(w)
        rooms = rooms.filter(
            Q(name__iregex=pattern)
            | Q(site__name__iregex=pattern)
            | Q(site__building__iregex=pattern)
            | Q(site__commune__name__iregex=pattern)
            | Q(description__iregex=pattern)
            | Q(
                Exists(
                    Room.equipment.through.objects.filter(
                        room_id=OuterRef("pk"), equipment__name__iregex=pattern
                    )
                )
            )
        )
    if not limit:
        return [], rooms.count()
    # The count comes with the rooms (a window over every match, before the LIMIT): one query, the accent
    # patterns evaluated once.
    found = list(rooms.annotate(search_total=Window(Count("id"))).order_by("name")[:limit])
    return found, (found[0].search_total if found else 0)


def upcoming_for_panel(user, limit: int = 5) -> list[Booking]:
    return list(
        Booking.objects.filter(requester=user, status__in=_BLOCKING, end__gt=timezone.now())
        .select_related("room", "room__site")
        .order_by("start")[:limit]
    )


def feed_bookings(qs):
    since = timezone.now() - timedelta(days=_feed_past_days())
    return qs.filter(end__gte=since).select_related("room", "room__site", "requester").order_by("start")


def _feed_past_days() -> int:
    from django.conf import settings

    return settings.ROOMS_FEED_PAST_DAYS


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def today_local() -> date:
    return timezone.now().astimezone(PARIS).date()
