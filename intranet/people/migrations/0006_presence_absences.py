"""Presence (« Qui est là ? »): remote days on the agent's weekly pattern, dated absences (declared by the
agent or imported from the HR system) and the secret of the team absence calendar."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_user_search_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="remote_days",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Numéros des jours : 1 = lundi … 5 = vendredi.",
                verbose_name="jours de télétravail habituels",
            ),
        ),
        migrations.CreateModel(
            name="Absence",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("start", models.DateField(verbose_name="du")),
                ("end", models.DateField(verbose_name="au (inclus)")),
                (
                    "reason",
                    models.CharField(blank=True, max_length=100, verbose_name="motif (visible par vous seul·e)"),
                ),
                (
                    "visibility",
                    models.CharField(
                        choices=[
                            ("dates", "Mes collègues voient les dates de mon absence"),
                            ("absent", "Mes collègues voient seulement que je suis absent·e, sans les dates"),
                        ],
                        default="dates",
                        max_length=10,
                        verbose_name="ce que voient vos collègues",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[("agent", "Déclarée par l'agent"), ("hr", "Importée du logiciel RH")],
                        max_length=10,
                        verbose_name="origine",
                    ),
                ),
                (
                    "hr_ref",
                    models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name="référence RH"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="créée le")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="absences",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="agent",
                    ),
                ),
            ],
            options={
                "verbose_name": "absence",
                "verbose_name_plural": "absences",
                "ordering": ["start", "end", "pk"],
                "indexes": [models.Index(fields=["end", "start"], name="people_absence_dates")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("start__lte", models.F("end"))), name="people_absence_start_le_end"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PresenceFeedToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="presence_feed_token",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "adresse d'abonnement aux absences",
                "verbose_name_plural": "adresses d'abonnement aux absences",
            },
        ),
    ]
