from django.core.management.base import BaseCommand

from chat.actions import messages_purge_expired
from intranet.ops.progress import Progress


class Command(BaseCommand):
    help = (
        "Supprime les messages plus anciens que la durée de conservation de leur salon (par défaut : aucune)."
    )

    def handle(self, *args, **options):
        # One DELETE per salon: no bar worth drawing, but the summary says how long it took.
        progress = Progress(stream=self.stderr, out=self.stdout, label="Messages", unit="message(s)")
        with progress:
            deleted = messages_purge_expired()
            progress.advance(deleted)
        progress.finish(f"{deleted} message(s) supprimé(s).")
