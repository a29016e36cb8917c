from django.core.management.base import BaseCommand

from chat.actions import messages_purge_expired


class Command(BaseCommand):
    help = (
        "Supprime les messages plus anciens que la durée de conservation de leur salon (par défaut : aucune)."
    )

    def handle(self, *args, **options):
        deleted = messages_purge_expired()
        self.stdout.write(f"{deleted} message(s) supprimé(s).")
