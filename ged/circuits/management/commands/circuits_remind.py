"""Remind the actors of every late circuit step (at most once a day per step). Run daily (systemd timer)."""

from django.core.management.base import BaseCommand

from ...actions import circuits_remind


class Command(BaseCommand):
    help = "Relance les bureaux dont l'étape de circuit a dépassé son délai."

    def handle(self, *args, **options):
        count = circuits_remind()
        self.stdout.write(f"{count} relance(s) envoyée(s).")
