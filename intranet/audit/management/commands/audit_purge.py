from django.conf import settings
from django.core.management.base import BaseCommand

from intranet.audit.actions import audit_purge


class Command(BaseCommand):
    help = (
        "Supprime les événements du journal d'accès plus anciens que AUDIT_RETENTION_DAYS (365 par défaut)."
    )

    def handle(self, *args, **options):
        deleted = audit_purge()
        self.stdout.write(
            f"{deleted} événement(s) de plus de {settings.AUDIT_RETENTION_DAYS} jours supprimé(s)."
        )
