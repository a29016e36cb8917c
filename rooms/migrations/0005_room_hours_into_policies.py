"""Copy each room's duration limits and opening hours into booking policies: one per site (the values most of
its rooms share), plus one of its own for each room that differs from its site's."""

from collections import Counter

from django.db import migrations

FIELDS = ("min_duration", "max_duration", "opens_at", "closes_at", "open_days")


def forwards(apps, schema_editor):
    Room = apps.get_model("rooms", "Room")
    Site = apps.get_model("rooms", "Site")
    BookingPolicy = apps.get_model("rooms", "BookingPolicy")
    for site in Site.objects.all():
        rooms = list(Room.objects.filter(site=site))
        if not rooms:
            continue
        common = Counter(tuple(getattr(r, f) for f in FIELDS) for r in rooms).most_common(1)[0][0]
        if not BookingPolicy.objects.filter(site=site).exists():
            BookingPolicy.objects.create(
                name=f"Règles du site {site.name}"[:120], site=site, **dict(zip(FIELDS, common, strict=True))
            )
        for room in rooms:
            values = tuple(getattr(room, f) for f in FIELDS)
            if values != common and not BookingPolicy.objects.filter(room=room).exists():
                BookingPolicy.objects.create(
                    name=f"Règles de {room.name}"[:120], room=room, **dict(zip(FIELDS, values, strict=True))
                )


def backwards(apps, schema_editor):
    Room = apps.get_model("rooms", "Room")
    BookingPolicy = apps.get_model("rooms", "BookingPolicy")
    for room in Room.objects.all():
        policy = BookingPolicy.objects.filter(room=room).first()
        policy = policy or BookingPolicy.objects.filter(site_id=room.site_id).first()
        if policy:
            for f in FIELDS:
                setattr(room, f, getattr(policy, f))
            room.save(update_fields=list(FIELDS))


class Migration(migrations.Migration):
    dependencies = [("rooms", "0004_booking_policy")]

    operations = [migrations.RunPython(forwards, backwards)]
