"""No double booking, in the database: an exclusion constraint on PostgreSQL, triggers on SQLite.

The SQLite triggers give the same guarantee as the constraint (an insert or update that would overlap a
pending or approved booking of the same room aborts); SQLite writers are serialised anyway (BEGIN IMMEDIATE,
see DATABASES OPTIONS in settings/base.py), so the check inside the trigger cannot race.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

_SQLITE_CHECK = """
WHEN NEW.status IN ('pending', 'approved') AND EXISTS (
    SELECT 1 FROM rooms_booking AS b
    WHERE b.room_id = NEW.room_id AND b.id IS NOT NEW.id AND b.status IN ('pending', 'approved')
      AND b.start < NEW."end" AND b."end" > NEW.start
)
BEGIN SELECT RAISE(ABORT, 'booking_no_overlap'); END
"""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER rooms_booking_no_overlap_insert BEFORE INSERT ON rooms_booking" + _SQLITE_CHECK,
    'CREATE TRIGGER rooms_booking_no_overlap_update BEFORE UPDATE OF room_id, start, "end", status '
    "ON rooms_booking" + _SQLITE_CHECK,
]


def constraint(condition):
    """The exclusion constraint as of this migration (0007 narrows its condition; the model's constant
    follows the latest)."""
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import RangeBoundary, RangeOperators

    from rooms.models import TsTzRange

    return ExclusionConstraint(
        name="booking_no_overlap",
        expressions=[
            ("room", RangeOperators.EQUAL),
            (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=condition,
    )


def forwards(apps, schema_editor):
    from django.db.models import Q

    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.add_constraint(
            apps.get_model("rooms", "Booking"), constraint(Q(status__in=["pending", "approved"]))
        )
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE rooms_booking DROP CONSTRAINT IF EXISTS booking_no_overlap")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS rooms_booking_no_overlap_insert")
        schema_editor.execute("DROP TRIGGER IF EXISTS rooms_booking_no_overlap_update")


class Migration(migrations.Migration):
    dependencies = [("rooms", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(forwards, backwards),
    ]
