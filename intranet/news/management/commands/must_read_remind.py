"""`manage.py must_read_remind`: remind the agents who have not acknowledged a must-read (run daily)."""

from django.core.management.base import BaseCommand

from intranet.news.actions import must_read_reminders_send


class Command(BaseCommand):
    help = (
        "Relance par notification les agents qui n'ont pas confirmé la lecture d'une actualité à lire "
        "obligatoirement. Peut être relancée : personne n'est relancé deux fois le même jour."
    )

    def handle(self, *args, **options):
        sent = must_read_reminders_send(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"{sent} relance(s) envoyée(s)."))
