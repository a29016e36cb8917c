from django.core.management.base import BaseCommand

from rooms.actions import bookings_remind_pending


class Command(BaseCommand):
    help = (
        "Relance les gestionnaires des demandes de réservation en attente depuis ROOMS_REMINDER_WORKING_DAYS "
        "jours ouvrés. Relancée, elle n'envoie pas deux fois la même relance (minuteur systemd quotidien)."
    )

    def handle(self, *args, **options):
        sent = bookings_remind_pending()
        self.stdout.write(f"{sent} relance(s) envoyée(s).")
