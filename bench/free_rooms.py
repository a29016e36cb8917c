"""B5: free-room search over 200 rooms × one year of bookings, as a ratio to raw SQL using the GiST index.

Data: 200 rooms on 4 sites, bookings on working days between 08:00 and 19:00 for a year (about 80,000 rows,
plus about 10 % pending or cancelled). Question: 50 random windows of 2 hours with a capacity. The app side
is `rooms.queries.free_rooms` as the finder page calls it (permission, opening hours, equipment prefetch);
the baseline is the same question as one raw `NOT EXISTS … &&` query. Target (performance.md): <= 3x.
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


def build(rng):
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


def main():
    connection = setup_django(DB)
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    from rooms.models import Booking
    from rooms.permissions import actor_for
    from rooms.queries import FinderQuery, free_rooms
    from rooms.recurrence import local_datetime

    rng = random.Random(5)
    user, days = build(rng)
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
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

    def app():
        n = 0
        for start, end, capacity in windows:
            n += len(free_rooms(actor, FinderQuery(start=start, end=end, capacity=capacity)))
        return n

    def raw():
        n = 0
        with conn.cursor() as cursor:
            for start, end, capacity in windows:
                cursor.execute(RAW_SQL, [capacity, start, end])
                n += len(cursor.fetchall())
        return n

    assert app() == raw(), "the finder and the raw query disagree"
    with CaptureQueriesContext(conn) as ctx:
        free_rooms(actor, FinderQuery(start=windows[0][0], end=windows[0][1], capacity=windows[0][2]))
    queries = len(ctx.captured_queries)
    plan = ""
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            start, end, capacity = windows[0]
            cursor.execute("EXPLAIN " + RAW_SQL, [capacity, start, end])
            plan = " ".join(row[0].strip() for row in cursor.fetchall())

    def app_ids():
        n = 0
        for start, end, capacity in windows:
            n += len(free_rooms(actor, FinderQuery(start=start, end=end, capacity=capacity), ids_only=True))
        return n

    parts = summary(*interleaved(app_ids, raw, reps=5))
    orm_plan = ""
    if conn.vendor == "postgresql":
        from rooms.queries import blocking_overlap, candidate_rooms  # noqa: F401

        start, end, capacity = windows[0]
        qs = free_rooms(
            actor, FinderQuery(start=start, end=end, capacity=capacity), ids_only=True, queryset=True
        )
        orm_plan = qs.explain()
    figures = summary(*interleaved(app, raw, reps=15))
    teardown(connection, DB)
    ok = figures["ratio"] <= 3
    print(
        f"B5 data: {ROOMS} rooms, {total} bookings ({total - live} cancelled), {WINDOWS} windows of 2 h; "
        f"GiST index used by the baseline: {'booking_no_overlap' in plan}"
    )
    print(
        f"B5 ORM plan uses the GiST index: {'booking_no_overlap' in orm_plan}; SQL part alone (ids only): "
        f"ratio={parts['ratio']:.2f} app_ms={parts['app_ms']:.2f}"
    )
    print(
        f"B5 free-room ratio={figures['ratio']:.2f} target<=3 queries={queries} per search "
        f"app_ms={figures['app_ms']:.2f} base_ms={figures['base_ms']:.2f} (50 searches) "
        f"iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
