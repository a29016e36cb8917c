from django.conf import settings
from django.core.management.base import BaseCommand

from ged.actions import trash_purge_expired


class Command(BaseCommand):
    help = "Supprime définitivement les documents restés plus de GED_TRASH_DAYS jours dans la corbeille."

    def handle(self, *args, **options):
        count = trash_purge_expired()
        self.stdout.write(
            f"{count} document(s) supprimé(s) définitivement "
            f"(corbeille de plus de {settings.GED_TRASH_DAYS} jours)."
        )
