from django.core.management.base import BaseCommand

from rooms.actions import bookings_expire_pending


class Command(BaseCommand):
    help = (
        "Fait expirer les demandes de réservation restées en attente dont le début est passé (le demandeur "
        "est prévenu). Sans effet la seconde fois (minuteur systemd toutes les 15 minutes)."
    )

    def handle(self, *args, **options):
        expired = bookings_expire_pending()
        self.stdout.write(f"{expired} demande(s) expirée(s).")
