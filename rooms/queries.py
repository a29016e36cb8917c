"""Reads across rooms and bookings, each with a constant number of queries."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import BLOCKING_STATUSES, BookingStatus, ResourceKind
from .models import Booking, BookingPolicy, Equipment, Room, Site, TsTzRange
from .permissions import Actor, bookable_rooms_q, bookable_rooms_sql, managed_room_ids, managed_rooms_q
from .policies import default_policy, is_open_day, policy_for
from .recurrence import PARIS, UTC, is_working_day, local_datetime, public_holidays, to_local

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
    kind: str = ResourceKind.ROOM
    quantity: int = 1  # equipment: how many items are wanted


def candidate_rooms(actor: Actor, q: FinderQuery):
    """Rooms the agent may book, big enough, equipped, open over the whole window; smallest first."""
    local_start, local_end = to_local(q.start), to_local(q.end)
    defaults = default_policy()

    def effective(field: str):
        return Coalesce(f"own_policy__{field}", f"site__policy__{field}", Value(getattr(defaults, field)))

    rooms = Room.objects.annotate(
        p_opens=effective("opens_at"),
        p_closes=effective("closes_at"),
        p_days=effective("open_days"),
        p_holidays=effective("closed_on_public_holidays"),
    ).filter(
        bookable_rooms_q(actor),
        kind=q.kind,
        capacity__gte=q.capacity,
        p_opens__lte=local_start.time(),
        p_days__contains=str(local_start.isoweekday()),
    )
    if local_start.date() in public_holidays(local_start.year):
        rooms = rooms.filter(p_holidays=False)
    # A window ending at midnight or on another day is outside every room's hours.
    if local_end.date() == local_start.date():
        rooms = rooms.filter(p_closes__gte=local_end.time())
    else:
        rooms = rooms.none()
    if q.site:
        rooms = rooms.filter(site_id=q.site)
    for slug in q.equipment:
        rooms = rooms.filter(
            Exists(Room.equipment.through.objects.filter(room_id=OuterRef("pk"), equipment__slug=slug))
        )
    return rooms.select_related("site").order_by("capacity", "site__name", "name", "pk")


class SiteRef(NamedTuple):
    """The site of a `FreeRoom`: what the finder, its API and the conflict answers show."""

    id: int
    name: str
    address: str

    @property
    def pk(self) -> int:
        return self.id


class FreeRoom(NamedTuple):
    """A room of the finder's answer, straight from its SQL row (no model instance): the fields the finder
    page, the availability API (`RoomOut`), conflict and series alternatives read. Equal to the `Room` of
    the same id, like two instances of a model."""

    pk: int
    name: str
    slug: str
    capacity: int
    floor: str
    requires_approval: bool
    opens_at: time
    closes_at: time
    site_id: int
    site_name: str
    site_address: str
    equipment: object  # [[slug, name]…] ordered by name (PostgreSQL array, SQLite JSON text); None without
    kind: str
    quantity_held: int

    @property
    def id(self) -> int:
        return self.pk

    @property
    def site(self) -> SiteRef:
        return SiteRef(self.site_id, self.site_name, self.site_address)

    @property
    def equipment_list(self) -> list:
        """[(slug, name)…] ordered by name; [] when searched `with_equipment=False`."""
        if isinstance(self.equipment, str):
            return json.loads(self.equipment)
        return self.equipment or []

    def __eq__(self, other):
        if isinstance(other, FreeRoom | Room):
            return self.pk == other.pk
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self):
        return hash(self.pk)

    def __str__(self):
        return self.name


def free_rooms_sql(
    actor: Actor, q: FinderQuery, *, limit: int | None = None, with_equipment: bool = True
) -> tuple[str, list] | None:
    """The finder's one query and its parameters, or None when no room can be open over the window.

    First the candidate rooms (the filters of `candidate_rooms`: permission, capacity, opening hours and
    days, site, equipment) with their site and equipment, joined and aggregated once (hash joins); then, as
    in the B5 baseline, the candidates with no overlapping blocking booking (`NOT EXISTS`), written on
    PostgreSQL as the exclusion constraint's expression so that its GiST index answers. The candidates are
    a MATERIALIZED CTE on PostgreSQL: the planner guesses that the anti-join keeps one room, and would
    otherwise look the equipment up room by room (a scan of the room-equipment table per free room).
    Tests check the answer against the ORM's `candidate_rooms` + `blocking_overlap`."""
    local_start, local_end = to_local(q.start), to_local(q.end)
    # A window ending at midnight or on another day is outside every room's hours.
    if local_end.date() != local_start.date():
        return None
    ops, postgres = connection.ops, connection.vendor == "postgresql"
    room, site, booking = Room._meta.db_table, Site._meta.db_table, Booking._meta.db_table
    equipment, room_equipment = Equipment._meta.db_table, Room.equipment.through._meta.db_table
    policy = BookingPolicy._meta.db_table
    defaults = default_policy()
    allowed, params = bookable_rooms_sql(actor, "r", "COALESCE(po.id, ps.id)")
    # The effective policy: the room's own, else its site's, else the defaults (two LEFT JOINs, no row-by-row
    # lookup). Closed on a public holiday is one parameter: the day is the same for every room.
    opens = "COALESCE(po.opens_at, ps.opens_at, %s)"
    closes = "COALESCE(po.closes_at, ps.closes_at, %s)"
    where = [
        allowed,
        "r.kind = %s",
        "r.capacity >= %s",
        f"{opens} <= %s",
        f"{closes} >= %s",
        "COALESCE(po.open_days, ps.open_days, %s) LIKE %s",
        "NOT (COALESCE(po.closed_on_public_holidays, ps.closed_on_public_holidays, %s) AND %s)",
    ]
    params += [
        q.kind,
        q.capacity,
        ops.adapt_timefield_value(defaults.opens_at),
        ops.adapt_timefield_value(local_start.time()),
        ops.adapt_timefield_value(defaults.closes_at),
        ops.adapt_timefield_value(local_end.time()),
        defaults.open_days,
        f"%{local_start.isoweekday()}%",
        defaults.closed_on_public_holidays,
        local_start.date() in public_holidays(local_start.year),
    ]
    if q.site:
        where.append("r.site_id = %s")
        params.append(q.site)
    for slug in q.equipment:
        where.append(
            f"EXISTS (SELECT 1 FROM {room_equipment} qe JOIN {equipment} qeq "  # noqa: S608  (names from the models)
            "ON qeq.id = qe.equipment_id WHERE qe.room_id = r.id AND qeq.slug = %s)"
        )
        params.append(slug)
    join, pairs = "", "NULL"
    if with_equipment and postgres:
        join = (
            "LEFT JOIN (SELECT re.room_id, "  # noqa: S608  (names from the models)
            "array_agg(ARRAY[e.slug::text, e.name::text] ORDER BY e.name) pairs "
            f"FROM {room_equipment} re JOIN {equipment} e ON e.id = re.equipment_id "
            # only the kind searched: vehicles and loans need not aggregate the rooms' equipment
            f"JOIN {room} rk ON rk.id = re.room_id AND rk.kind = %s GROUP BY re.room_id) eq "
            "ON eq.room_id = r.id"
        )
        pairs = "COALESCE(eq.pairs, '{}')"
    elif with_equipment:
        pairs = (
            "(SELECT json_group_array(json_array(p.slug, p.name)) FROM (SELECT e.slug, e.name "  # noqa: S608  (names from the models)
            f"FROM {room_equipment} re JOIN {equipment} e ON e.id = re.equipment_id WHERE re.room_id = r.id "
            "ORDER BY e.name) p)"
        )
    if postgres:
        overlap = "tstzrange(b.start, b.\"end\", '[)') && tstzrange(%s, %s, '[)')"
        params += [*_BLOCKING, q.start, q.end]
    else:
        overlap = 'b.start < %s AND b."end" > %s'
        params += [*_BLOCKING, ops.adapt_datetimefield_value(q.end), ops.adapt_datetimefield_value(q.start)]
    statuses = ", ".join(["%s"] * len(_BLOCKING))
    # Rooms and vehicles: free when no live booking overlaps. `NOT b.by_quantity` repeats the exclusion
    # constraint's condition (only loans of equipment are by quantity), without which PostgreSQL cannot use
    # its partial GiST index and reads every booking of each room instead (B5: ~10x slower). Equipment:
    # free when the quantities out over the window, summed (an upper bound of the peak), leave the quantity
    # wanted; loans are outside that index, the room_id index answers.
    busy = (
        f"(SELECT COALESCE(SUM(b.quantity), 0) FROM {booking} b WHERE b.room_id = c.id "  # noqa: S608  (names from the models)
        f"AND b.status IN ({statuses}) AND {overlap}) + %s <= c.quantity_held"
        if q.kind == ResourceKind.EQUIPMENT
        else f"NOT EXISTS (SELECT 1 FROM {booking} b WHERE b.room_id = c.id "  # noqa: S608  (names from the models)
        f"AND b.status IN ({statuses}) AND NOT b.by_quantity AND {overlap})"
    )
    if q.kind == ResourceKind.EQUIPMENT:
        params.append(q.quantity)
    select_params = [
        ops.adapt_timefield_value(defaults.opens_at),
        ops.adapt_timefield_value(defaults.closes_at),
    ]
    if join:
        select_params.append(q.kind)
    params = select_params + params
    sql = (
        f"WITH c AS {'MATERIALIZED ' if postgres else ''}("  # noqa: S608  (names from the models)
        "SELECT r.id, r.name, r.slug, r.capacity, r.floor, r.requires_approval, "
        f"{opens} AS opens_at, {closes} AS closes_at, "
        f"r.site_id, s.name AS site_name, s.address AS site_address, {pairs} AS equipment, "
        "r.kind, r.quantity_held "
        f"FROM {room} r JOIN {site} s ON s.id = r.site_id "
        f"LEFT JOIN {policy} po ON po.room_id = r.id LEFT JOIN {policy} ps ON ps.site_id = r.site_id "
        f"{join} WHERE {' AND '.join(where)}) "
        f"SELECT * FROM c WHERE {busy} "
        "ORDER BY c.capacity, c.site_name, c.name, c.id"
    )
    if limit:
        sql += " LIMIT %s"
        params.append(limit)
    return sql, params


def free_rooms(
    actor: Actor, q: FinderQuery, *, limit: int | None = None, with_equipment: bool = True
) -> list[FreeRoom]:
    """Rooms free over the whole window, smallest first, with their site and equipment: one query,
    index-driven, whatever the number of rooms and bookings; the rows become `FreeRoom`s in one pass."""
    found = free_rooms_sql(actor, q, limit=limit, with_equipment=with_equipment)
    if found is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*found)
        rows = cursor.fetchall()
    # Times and booleans arrive typed on PostgreSQL; on SQLite the opening hours are COALESCE expressions,
    # which carry no declared type: read them here (development and tests only).
    if connection.vendor == "sqlite":
        rows = [(*r[:6], _sqlite_time(r[6]), _sqlite_time(r[7]), *r[8:]) for r in rows]
    return list(map(FreeRoom._make, rows))


def _sqlite_time(value):
    return time.fromisoformat(value) if isinstance(value, str) else value


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
    policy = policy_for(room)
    gap = timedelta(minutes=policy.buffer_minutes)
    if gap:
        busy = [(s - gap, e + gap) for s, e in busy]
    slots: list[tuple[datetime, datetime]] = []
    day = to_local(after).date()
    while day <= to_local(horizon).date() and len(slots) < count:
        if is_open_day(policy, day):
            try:
                opens, closes = local_datetime(day, policy.opens_at), local_datetime(day, policy.closes_at)
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


def next_working_slot(
    *, now: datetime, site: int | None = None, length: timedelta = timedelta(hours=1), days: int = 31
) -> tuple[datetime, datetime] | None:
    """What the finder searches when no date or time is given: the first `length` slot from the next full
    hour on, on a working day (Monday to Friday, not a French public holiday) and within the opening hours
    of a site's policy — the chosen site's, else whichever site opens first (sites without a policy follow
    the defaults). One query (the sites' policies)."""
    sites = Site.objects.select_related("policy")
    if site:
        sites = sites.filter(pk=site)
    policies = [getattr(s, "policy", None) or default_policy() for s in sites] or [default_policy()]
    floor = _round_up(now + timedelta(seconds=59), 60)  # 10:00:30 -> 11:00, 10:00:00 stays
    first = to_local(floor).date()
    for offset in range(days):
        day = first + timedelta(days=offset)
        if not is_working_day(day):
            continue
        found = []
        for policy in policies:
            if not is_open_day(policy, day):
                continue
            try:
                opens, closes = local_datetime(day, policy.opens_at), local_datetime(day, policy.closes_at)
            except ValidationError:  # an opening hour inside the DST gap: not that day
                continue
            start = max(opens, floor)
            if start + length <= closes:
                found.append(start)
        if found:
            return min(found), min(found) + length
    return None


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
    closed: bool = False  # outside the policy's days or hours, or a public holiday: « Fermé », not « Libre »


def _closed(policy, start: datetime, end: datetime) -> bool:
    """An hour of the grid during which the resource cannot be booked at all."""
    ls, le = to_local(start), to_local(end)
    if not is_open_day(policy, ls.date()):
        return True
    return ls.time() >= policy.closes_at or (le.time() <= policy.opens_at and le.date() == ls.date())


def _cells_for(
    bookings: list[Booking], slots: list[tuple[datetime, datetime]], user, managed: set[int], policy=None
):
    cells = []
    for s, e in slots:
        hit = next((b for b in bookings if b.start < e and b.end > s), None)
        cells.append(
            Cell(
                booking=hit,
                show_details=bool(
                    hit and (user.is_superuser or hit.requester_id == user.pk or hit.room_id in managed)
                ),
                closed=bool(policy is not None and _closed(policy, s, e)),
            )
        )
    return cells


def day_view(user, site: Site, day: date) -> dict:
    """Rooms of a site × hours of a day: three queries (rooms, bookings, managed rooms)."""
    rooms = list(
        Room.objects.active()
        .filter(site=site)
        .select_related("site", "site__policy", "own_policy")
        .order_by("name")
    )
    slots = [(local_datetime(day, time(h)), local_datetime(day, time(h)) + timedelta(hours=1)) for h in HOURS]
    bookings = list(
        blocking_overlap(Booking.objects.filter(room__in=rooms), slots[0][0], slots[-1][1]).order_by("start")
    )
    managed = managed_room_ids(user)
    rows = []
    for room in rooms:
        mine = [b for b in bookings if b.room_id == room.pk]
        rows.append({"room": room, "cells": _cells_for(mine, slots, user, managed, policy_for(room))})
    return {"site": site, "day": day, "hours": HOURS, "rows": rows}


def week_view(user, room: Room, monday: date, focus: date | None = None) -> dict:
    """Hours × days of one room's week: two queries. Also the same cells day by day (`columns`) and the
    day shown alone on a phone (`focus`: the given day, else today within the week, else Monday), each
    saying whether the resource is closed all day and why."""
    days = [monday + timedelta(days=i) for i in range(7)]
    start = local_datetime(days[0], time(0))
    end = local_datetime(days[-1] + timedelta(days=1), time(0))
    bookings = list(blocking_overlap(Booking.objects.filter(room=room), start, end).order_by("start"))
    managed = managed_room_ids(user)
    policy = policy_for(room)
    rows = []
    for h in HOURS:
        slots = [(local_datetime(d, time(h)), local_datetime(d, time(h)) + timedelta(hours=1)) for d in days]
        rows.append({"hour": h, "cells": _cells_for(bookings, slots, user, managed, policy)})
    columns = []
    for i, d in enumerate(days):
        holiday = d in public_holidays(d.year)
        columns.append(
            {
                "day": d,
                "closed": not is_open_day(policy, d),
                "holiday": holiday and policy.closed_on_public_holidays,
                "cells": [(row["hour"], row["cells"][i]) for row in rows],
            }
        )
    if focus not in days:
        focus = today_local() if today_local() in days else monday
    index = days.index(focus)
    return {
        "room": room,
        "days": days,
        "rows": rows,
        "bookings": bookings,
        "columns": columns,
        "focus": columns[index],
        "previous_day": focus - timedelta(days=1),
        "next_day": focus + timedelta(days=1),
    }


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


def flagged_bookings(user, limit: int = 200) -> list[Booking]:
    """Live bookings still to come, of resources the user manages, that a policy edit left outside the rules
    (`policy_flag`, which says the rule each breaks), soonest first; one query."""
    return list(
        Booking.objects.filter(
            status__in=_BLOCKING,
            end__gt=timezone.now(),
            room__in=Room.objects.filter(managed_rooms_q(user)),
        )
        .exclude(policy_flag="")
        .select_related("room", "room__site", "requester")
        .order_by("start")[:limit]
    )


def pending_approvals_count(user) -> int:
    return Booking.objects.filter(
        status=BookingStatus.PENDING,
        start__gt=timezone.now(),
        room__in=Room.objects.filter(managed_rooms_q(user)),
    ).count()


def room_list(
    site: int | None = None,
    q: str = "",
    capacity: int | None = None,
    equipment: list | None = None,
    kind: str | None = None,
):
    rooms = Room.objects.active().select_related("site", "site__policy", "own_policy")
    if kind:
        rooms = rooms.filter(kind=kind)
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
