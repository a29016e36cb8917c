"""B5: free-room search over 200 rooms × one year of bookings, as a ratio to raw SQL using the GiST index.

Data: 200 rooms on 4 sites, bookings on working days between 08:00 and 19:00 for a year (about 80,000 rows,
plus about 10 % pending or cancelled). Question: 50 random windows of 2 hours with a capacity. The app side
is `rooms.queries.free_rooms` as the finder page calls it (permission, opening hours, site and equipment of
each room, the answer objects); the baseline is the same question as one raw `NOT EXISTS … &&` query. Every
rep of both sides is kept and checked afterwards: each search returns the same rooms (ids, names,
capacities) as the baseline. Query count per search: with the rooms only and with the year of bookings.
Also printed: the finder's SQL alone (executed and fetched, rows not turned into objects) against the
baseline, and whether both plans use the GiST index. Target (performance.md): <= 3x.
Run: `.venv/bin/python bench/free_rooms.py`.
"""

import random
from datetime import date, time, timedelta

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_b5"
ROOMS = 200
WINDOWS = 50

RAW_SQL = """
SELECT r.id, r.name, r.capacity FROM rooms_room r
WHERE r.is_active AND r.capacity >= %s
  AND NOT EXISTS (
    SELECT 1 FROM rooms_booking b
    WHERE b.room_id = r.id AND b.status IN ('pending', 'approved')
      AND tstzrange(b.start, b."end", '[)') && tstzrange(%s, %s, '[)')
  )
ORDER BY r.capacity, r.name
"""


def build(rng, on_rooms_only=None):
    from intranet.people.models import User
    from rooms.choices import BookingStatus
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
        for room in rooms:
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
        if len(rows) > 20_000:
            Booking.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Booking.objects.bulk_create(rows, batch_size=5000)
    return user, days


def queries_per_search(user, start, end, capacity) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rooms.permissions import actor_for
    from rooms.queries import FinderQuery, free_rooms

    actor = actor_for(user)
    with CaptureQueriesContext(connection) as ctx:
        free_rooms(actor, FinderQuery(start=start, end=end, capacity=capacity))
    return len(ctx.captured_queries)


def main():
    connection = setup_django(DB)
    try:
        run(connection)
    finally:
        teardown(connection, DB)


def run(connection):
    from django.db import connection as conn

    from rooms.models import Booking
    from rooms.permissions import actor_for
    from rooms.queries import FinderQuery, free_rooms, free_rooms_sql
    from rooms.recurrence import local_datetime

    rng = random.Random(5)
    first_day = date.today() - timedelta(days=180)
    while first_day.weekday() >= 5:
        first_day += timedelta(days=1)
    sample = (local_datetime(first_day, time(10)), local_datetime(first_day, time(12)), 10)
    counts = {}
    user, days = build(rng, on_rooms_only=lambda u: counts.update(rooms=queries_per_search(u, *sample)))
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    counts["year"] = queries_per_search(user, *sample)
    total = Booking.objects.count()
    live = Booking.objects.blocking().count()
    windows = []
    for _ in range(WINDOWS):
        day = rng.choice(days)
        hour = rng.randint(8, 17)
        windows.append(
            (local_datetime(day, time(hour)), local_datetime(day, time(hour + 2)), rng.randint(2, 30))
        )
    actor = actor_for(user)
    queries = [FinderQuery(start=start, end=end, capacity=capacity) for start, end, capacity in windows]
    app_runs, base_runs = [], []

    def app():
        app_runs.append([free_rooms(actor, q) for q in queries])

    def raw():
        with conn.cursor() as cursor:
            out = []
            for start, end, capacity in windows:
                cursor.execute(RAW_SQL, [capacity, start, end])
                out.append(cursor.fetchall())
        base_runs.append(out)

    def sql_only():
        with conn.cursor() as cursor:
            for q in queries:
                cursor.execute(*free_rooms_sql(actor, q))
                cursor.fetchall()

    def check():
        """Every rep of the finder returned, for each window, the rooms of the baseline (same ids, names and
        capacities, smallest first), and the baseline always the same rows."""
        expected = [sorted(rows) for rows in base_runs[0]]
        assert sum(map(len, expected)) > WINDOWS, "the baseline found (almost) no free room"
        for rep in base_runs:
            assert [sorted(rows) for rows in rep] == expected, "the baseline changed between reps"
        for rep in app_runs:
            for rooms, rows in zip(rep, expected, strict=True):
                found = sorted((r.pk, r.name, r.capacity) for r in rooms)
                assert found == rows, "the finder and the baseline disagree"
                assert [r.capacity for r in rooms] == sorted(r.capacity for r in rooms), "not smallest first"
        n = len(app_runs)
        app_runs.clear()
        base_runs.clear()
        return n

    plans = {}
    if conn.vendor == "postgresql":
        start, end, capacity = windows[0]
        with conn.cursor() as cursor:
            cursor.execute("EXPLAIN " + RAW_SQL, [capacity, start, end])
            plans["base"] = " ".join(row[0].strip() for row in cursor.fetchall())
            sql, params = free_rooms_sql(actor, queries[0])
            cursor.execute("EXPLAIN " + sql, params)
            plans["app"] = " ".join(row[0].strip() for row in cursor.fetchall())
    parts = summary(*interleaved(sql_only, raw, reps=5))
    base_runs.clear()
    figures = summary(*interleaved(app, raw, reps=15))
    checked = check()
    ok = figures["ratio"] <= 3 and counts["rooms"] == counts["year"]
    print(
        f"B5 data: {ROOMS} rooms, {total} bookings ({total - live} cancelled), {WINDOWS} windows of 2 h; "
        f"GiST index used by the baseline: {'booking_no_overlap' in plans.get('base', '')}, "
        f"by the finder: {'booking_no_overlap' in plans.get('app', '')}; {checked} reps x {WINDOWS} searches "
        "checked against the baseline's rooms"
    )
    print(
        f"B5 the finder's SQL alone (rows fetched, no objects): ratio={parts['ratio']:.2f} "
        f"app_ms={parts['app_ms']:.2f} base_ms={parts['base_ms']:.2f}"
    )
    print(
        f"B5 free-room ratio={figures['ratio']:.2f} target<=3 queries={counts['year']} per search "
        f"(rooms only: {counts['rooms']}) app_ms={figures['app_ms']:.2f} base_ms={figures['base_ms']:.2f} "
        f"(50 searches) iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} db={connection.vendor} "
        f"{'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
