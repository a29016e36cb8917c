from django.conf import settings
from django.core.management.base import BaseCommand

from ged.actions import trash_purge_expired
from intranet.ops.progress import Progress


class Command(BaseCommand):
    help = "Supprime définitivement les documents restés plus de GED_TRASH_DAYS jours dans la corbeille."

    def handle(self, *args, **options):
        progress = Progress(stream=self.stderr, out=self.stdout, label="Corbeille", unit="document(s)")
        with progress:
            count = trash_purge_expired(progress=progress)
        progress.finish(
            f"{count} document(s) supprimé(s) définitivement "
            f"(corbeille de plus de {settings.GED_TRASH_DAYS} jours)."
        )
