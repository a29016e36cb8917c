"""B5: free-resource search over 200 rooms, 40 pool vehicles and 30 loan equipment items × one year of
bookings, each kind as a ratio to raw SQL in the same run.

Data: 200 rooms on 4 sites, bookings on working days between 08:00 and 19:00 for a year (about 80,000 rows,
plus about 10 % pending or cancelled); 40 vehicles (2-9 seats) booked the same way for trips of 1-4 h; 30
equipment items holding 1-10 units, lent by quantity (1-3 units, 1-4 h, several loans overlapping). Question:
50 random windows per kind — 2 h with a capacity (rooms), 3 h with seats (vehicles), 2 h with a quantity
(equipment). The app side is `rooms.queries.free_rooms` as the finder page calls it (permission, opening
hours of the policies, site and equipment of each resource, the answer objects); the baseline is the same
question as one raw query: `NOT EXISTS … &&` on the exclusion constraint's GiST index for rooms and
vehicles, the sum of overlapping loans against the quantity held for equipment. Every rep of both sides is
kept and checked afterwards: each search returns the same resources (ids, names, capacities) as the
baseline. Query count per search, for each kind: with the resources only and with the year of bookings.
Also printed: the finder's SQL alone for rooms (executed and fetched, rows not turned into objects) against
the baseline, and whether both plans use the GiST index. Target (performance.md): <= 3x for each kind.
Run: `.venv/bin/python bench/free_rooms.py`.
"""

import random
from datetime import date, time, timedelta

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_b5"
ROOMS = 200
VEHICLES = 40
EQUIPMENT = 30
WINDOWS = 50

# Rooms and vehicles: `NOT b.by_quantity` is the exclusion constraint's condition, so its partial GiST
# index answers (only loans of equipment are by quantity).
RAW_SQL = """
SELECT r.id, r.name, r.capacity FROM rooms_room r
WHERE r.is_active AND r.kind = %s AND r.capacity >= %s
  AND NOT EXISTS (
    SELECT 1 FROM rooms_booking b
    WHERE b.room_id = r.id AND b.status IN ('pending', 'approved') AND NOT b.by_quantity
      AND tstzrange(b.start, b."end", '[)') && tstzrange(%s, %s, '[)')
  )
ORDER BY r.capacity, r.name
"""

# Equipment: the units out over the window, summed, leave the quantity wanted.
RAW_EQUIPMENT_SQL = """
SELECT r.id, r.name, r.capacity FROM rooms_room r
WHERE r.is_active AND r.kind = 'equipment'
  AND (SELECT COALESCE(SUM(b.quantity), 0) FROM rooms_booking b
       WHERE b.room_id = r.id AND b.status IN ('pending', 'approved')
         AND tstzrange(b.start, b."end", '[)') && tstzrange(%s, %s, '[)')) + %s <= r.quantity_held
ORDER BY r.capacity, r.name
"""


def build(rng, on_rooms_only=None):
    from intranet.people.models import User
    from rooms.choices import BookingStatus, ResourceKind
    from rooms.models import Booking, Equipment, Room, Site
    from rooms.recurrence import is_working_day, local_datetime

    user = User.objects.create(username="bench.b5", first_name="Bench", last_name="B5")
    equipment = [Equipment.objects.create(name=f"Équipement {i}", slug=f"eq-{i}") for i in range(5)]
    sites = [Site.objects.create(name=f"Site {i}", slug=f"site-{i}") for i in range(4)]
    rooms = Room.objects.bulk_create(
        [
            Room(name=f"Salle {i:03}", slug=f"salle-{i:03}", site=sites[i % 4], capacity=rng.randint(2, 60))
            for i in range(ROOMS)
        ]
    )
    vehicles = Room.objects.bulk_create(
        [
            Room(
                kind=ResourceKind.VEHICLE,
                name=f"Véhicule {i:02}",
                slug=f"vehicule-{i:02}",
                site=sites[i % 4],
                capacity=rng.randint(2, 9),
                plate=f"GA-{i:03}-BC",
            )
            for i in range(VEHICLES)
        ]
    )
    items = Room.objects.bulk_create(
        [
            Room(
                kind=ResourceKind.EQUIPMENT,
                name=f"Matériel {i:02}",
                slug=f"materiel-{i:02}",
                site=sites[i % 4],
                capacity=1,
                quantity_held=rng.randint(1, 10),
            )
            for i in range(EQUIPMENT)
        ]
    )
    through = Room.equipment.through
    through.objects.bulk_create(
        [
            through(room_id=r.pk, equipment_id=e.pk)
            for r in rooms
            for e in rng.sample(equipment, rng.randint(0, 3))
        ]
    )
    if on_rooms_only:
        on_rooms_only(user)
    first = date.today() - timedelta(days=180)
    days = [first + timedelta(days=i) for i in range(365) if is_working_day(first + timedelta(days=i))]
    rows = []
    statuses = [BookingStatus.APPROVED] * 18 + [BookingStatus.PENDING, BookingStatus.CANCELLED]
    for day in days:
        for room in [*rooms, *vehicles]:
            hour = 8
            while hour < 19:
                length = rng.choice([1, 1, 2, 3])
                if hour + length <= 19 and rng.random() < 0.26:
                    rows.append(
                        Booking(
                            room_id=room.pk,
                            requester=user,
                            title="Réunion",
                            start=local_datetime(day, time(hour)),
                            end=local_datetime(day, time(hour + length)),
                            status=rng.choice(statuses),
                        )
                    )
                hour += length
        for item in items:
            # loans by quantity overlap one another: a few per item and day, 1-3 units, 1-4 h
            for _ in range(rng.randint(0, 4)):
                hour = rng.randint(8, 15)
                rows.append(
                    Booking(
                        room_id=item.pk,
                        requester=user,
                        title="Prêt",
                        start=local_datetime(day, time(hour)),
                        end=local_datetime(day, time(hour + rng.randint(1, 4))),
                        status=rng.choice(statuses),
                        quantity=min(rng.randint(1, 3), item.quantity_held),
                        by_quantity=True,
                    )
                )
        if len(rows) > 20_000:
            Booking.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Booking.objects.bulk_create(rows, batch_size=5000)
    return user, days


def queries_per_search(user, query) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rooms.permissions import actor_for
    from rooms.queries import free_rooms

    actor = actor_for(user)
    with CaptureQueriesContext(connection) as ctx:
        free_rooms(actor, query)
    return len(ctx.captured_queries)


def main():
    connection = setup_django(DB)
    try:
        run(connection)
    finally:
        teardown(connection, DB)


def run(connection):
    from django.db import connection as conn

    from rooms.choices import ResourceKind
    from rooms.models import Booking
    from rooms.permissions import actor_for
    from rooms.queries import FinderQuery, free_rooms, free_rooms_sql
    from rooms.recurrence import local_datetime

    rng = random.Random(5)
    first_day = date.today() - timedelta(days=180)
    while first_day.weekday() >= 5:
        first_day += timedelta(days=1)
    at = (local_datetime(first_day, time(10)), local_datetime(first_day, time(12)))
    samples = {
        "rooms": FinderQuery(start=at[0], end=at[1], capacity=10),
        "vehicles": FinderQuery(start=at[0], end=at[1], capacity=2, kind=ResourceKind.VEHICLE),
        "equipment": FinderQuery(start=at[0], end=at[1], kind=ResourceKind.EQUIPMENT, quantity=2),
    }
    empty = {}
    user, days = build(
        rng,
        on_rooms_only=lambda u: empty.update({k: queries_per_search(u, q) for k, q in samples.items()}),
    )
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    year = {k: queries_per_search(user, q) for k, q in samples.items()}
    total = Booking.objects.count()
    live = Booking.objects.blocking().count()
    loans = Booking.objects.filter(by_quantity=True).count()

    def windows(hours: int, low: int, high: int):
        out = []
        for _ in range(WINDOWS):
            day = rng.choice(days)
            hour = rng.randint(8, 19 - hours)
            out.append(
                (
                    local_datetime(day, time(hour)),
                    local_datetime(day, time(hour + hours)),
                    rng.randint(low, high),
                )
            )
        return out

    # (app queries, baseline SQL, baseline parameters) per kind
    kinds = {}
    for kind, hours, low, high in (("rooms", 2, 2, 30), ("vehicles", 3, 1, 5), ("equipment", 2, 1, 3)):
        found = windows(hours, low, high)
        if kind == "rooms":
            queries = [FinderQuery(start=s, end=e, capacity=n) for s, e, n in found]
            base = [(RAW_SQL, [ResourceKind.ROOM.value, n, s, e]) for s, e, n in found]
        elif kind == "vehicles":
            queries = [
                FinderQuery(start=s, end=e, capacity=n, kind=ResourceKind.VEHICLE) for s, e, n in found
            ]
            base = [(RAW_SQL, [ResourceKind.VEHICLE.value, n, s, e]) for s, e, n in found]
        else:
            queries = [
                FinderQuery(start=s, end=e, kind=ResourceKind.EQUIPMENT, quantity=n) for s, e, n in found
            ]
            base = [(RAW_EQUIPMENT_SQL, [s, e, n]) for s, e, n in found]
        kinds[kind] = (queries, base)
    actor = actor_for(user)

    def measure(kind: str, reps: int) -> tuple[dict, int]:
        """App and baseline interleaved, then every rep of the app checked against the baseline's rows."""
        queries, base = kinds[kind]
        app_runs, base_runs = [], []

        def app():
            app_runs.append([free_rooms(actor, q) for q in queries])

        def raw():
            with conn.cursor() as cursor:
                out = []
                for sql, params in base:
                    cursor.execute(sql, params)
                    out.append(cursor.fetchall())
            base_runs.append(out)

        figures = summary(*interleaved(app, raw, reps=reps))
        expected = [sorted(rows) for rows in base_runs[0]]
        assert sum(map(len, expected)) > WINDOWS / 5, f"{kind}: the baseline found (almost) nothing free"
        for rep in base_runs:
            assert [sorted(rows) for rows in rep] == expected, f"{kind}: the baseline changed between reps"
        for rep in app_runs:
            for found, rows in zip(rep, expected, strict=True):
                assert sorted((r.pk, r.name, r.capacity) for r in found) == rows, (
                    f"{kind}: the finder and the baseline disagree"
                )
                assert [r.capacity for r in found] == sorted(r.capacity for r in found), "not smallest first"
        return figures, len(app_runs)

    plans = {}
    if conn.vendor == "postgresql":
        queries, base = kinds["rooms"]
        with conn.cursor() as cursor:
            for name, (sql, params) in (
                ("base", base[0]),
                ("app", free_rooms_sql(actor, queries[0])),
                ("vehicles", free_rooms_sql(actor, kinds["vehicles"][0][0])),
            ):
                cursor.execute("EXPLAIN " + sql, params)
                plans[name] = " ".join(row[0].strip() for row in cursor.fetchall())

    def sql_only():
        with conn.cursor() as cursor:
            for q in kinds["rooms"][0]:
                cursor.execute(*free_rooms_sql(actor, q))
                cursor.fetchall()

    def raw_rooms():
        with conn.cursor() as cursor:
            for sql, params in kinds["rooms"][1]:
                cursor.execute(sql, params)
                cursor.fetchall()

    parts = summary(*interleaved(sql_only, raw_rooms, reps=5))
    results = {kind: measure(kind, 15) for kind in kinds}
    constant = empty == year and set(year.values()) == {1}
    print(
        f"B5 data: {ROOMS} rooms, {VEHICLES} vehicles, {EQUIPMENT} equipment items; {total} bookings "
        f"({total - live} cancelled, {loans} loans by quantity), {WINDOWS} windows per kind; GiST index used "
        f"by the baseline: {'booking_no_overlap' in plans.get('base', '')}, by the finder: "
        f"{'booking_no_overlap' in plans.get('app', '')} (vehicles: "
        f"{'booking_no_overlap' in plans.get('vehicles', '')}); "
        + ", ".join(f"{kind} {n} reps x {WINDOWS} searches" for kind, (_f, n) in results.items())
        + " checked against the baseline's answers"
    )
    print(
        f"B5 the finder's SQL alone for rooms (rows fetched, no objects): ratio={parts['ratio']:.2f} "
        f"app_ms={parts['app_ms']:.2f} base_ms={parts['base_ms']:.2f}"
    )
    ok = constant
    for kind, (figures, _n) in results.items():
        met = figures["ratio"] <= 3
        ok = ok and met
        print(
            f"B5 {kind} free-resource ratio={figures['ratio']:.2f} target<=3 queries={year[kind]} per search "
            f"(no bookings: {empty[kind]}) app_ms={figures['app_ms']:.2f} base_ms={figures['base_ms']:.2f} "
            f"(50 searches) iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} {'OK' if met else 'FAIL'}"
        )
    rooms, vehicles, equipment = (results[k][0] for k in ("rooms", "vehicles", "equipment"))
    print(
        f"B5 free-room ratio={rooms['ratio']:.2f} target<=3 vehicles ratio={vehicles['ratio']:.2f} target<=3 "
        f"equipment ratio={equipment['ratio']:.2f} target<=3 queries={year['rooms']} per search "
        f"(rooms only: {empty['rooms']}; constant for every kind: {constant}) app_ms={rooms['app_ms']:.2f} "
        f"base_ms={rooms['base_ms']:.2f} (50 searches) iqr={rooms['iqr'][0]:.2f}-{rooms['iqr'][1]:.2f} "
        f"db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
