from django.conf import settings
from django.core.management.base import BaseCommand

from intranet.audit.actions import audit_purge
from intranet.ops.progress import Progress


class Command(BaseCommand):
    help = (
        "Supprime les événements du journal d'accès plus anciens que AUDIT_RETENTION_DAYS (365 par défaut)."
    )

    def handle(self, *args, **options):
        # One DELETE statement: no bar worth drawing, but the summary says how long it took.
        progress = Progress(stream=self.stderr, out=self.stdout, label="Journal", unit="événement(s)")
        with progress:
            deleted = audit_purge()
            progress.advance(deleted)
        progress.finish(
            f"{deleted} événement(s) de plus de {settings.AUDIT_RETENTION_DAYS} jours supprimé(s)."
        )
