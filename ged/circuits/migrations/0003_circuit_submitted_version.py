"""A circuit keeps the version submitted and its SHA-256 once the PAdES-signed PDF replaces `version`.

Existing rows: the version of the circuit's first recorded action (a decision is always recorded on the
version the actor saw, and the first one comes before any signature), else `version` itself (no action yet,
so nothing was signed). The new columns are nullable / have a database default, so that an older release
still running during the upgrade inserts circuits without them (readers then fall back on `version`)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_submitted(apps, schema_editor):
    Circuit = apps.get_model("ged_circuits", "Circuit")
    StepAction = apps.get_model("ged_circuits", "StepAction")
    first = StepAction.objects.filter(circuit_id=OuterRef("pk")).order_by("at", "pk")
    Circuit.objects.filter(submitted_version__isnull=True).update(
        submitted_version=Coalesce(Subquery(first.values("version_id")[:1]), F("version_id")),
        submitted_sha256=Coalesce(Subquery(first.values("version_sha256")[:1]), F("version_sha256")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0011_space_frozen"),
        ("ged_circuits", "0002_desk_active_and_admin_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="circuit",
            name="submitted_sha256",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                max_length=64,
                verbose_name="empreinte SHA-256 de la version soumise",
            ),
        ),
        migrations.AddField(
            model_name="circuit",
            name="submitted_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ged.version",
                verbose_name="version soumise",
            ),
        ),
        migrations.RunPython(fill_submitted, migrations.RunPython.noop, elidable=True),
    ]
