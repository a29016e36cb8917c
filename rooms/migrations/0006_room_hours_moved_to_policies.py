"""The rooms' own hours and durations now live in their booking policies (0005 copied them)."""

from importlib import import_module

from django.db import migrations


def sqlite_triggers_again(apps, schema_editor):
    """SQLite rebuilt rooms_booking when 0004 added a column, dropping the no-overlap triggers of 0002."""
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS rooms_booking_no_overlap_insert")
    schema_editor.execute("DROP TRIGGER IF EXISTS rooms_booking_no_overlap_update")
    for sql in import_module("rooms.migrations.0002_no_overlap").SQLITE_TRIGGERS:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("rooms", "0005_room_hours_into_policies")]

    operations = [
        migrations.RemoveConstraint(
            model_name="room",
            name="room_opens_before_closes",
        ),
        migrations.RemoveConstraint(
            model_name="room",
            name="room_min_duration_lte_max",
        ),
        migrations.RemoveField(
            model_name="room",
            name="closes_at",
        ),
        migrations.RemoveField(
            model_name="room",
            name="max_duration",
        ),
        migrations.RemoveField(
            model_name="room",
            name="min_duration",
        ),
        migrations.RemoveField(
            model_name="room",
            name="open_days",
        ),
        migrations.RemoveField(
            model_name="room",
            name="opens_at",
        ),
        migrations.RunPython(sqlite_triggers_again, migrations.RunPython.noop),
    ]
