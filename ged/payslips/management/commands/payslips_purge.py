"""Delete the payslips the employer no longer has to keep: older than PAYSLIPS_RETENTION_YEARS, of agents who
have left and whose leaver link is used or expired. Active agents' payslips are never purged (the agent's
copy is for life). Monthly, by `intranet-payslips-purge.timer`; each agent's safe log records the months.
Then the events of those agents' safe logs older than the same period go too (the access log's own purge
leaves the safe's log alone: it lasts as long as the payslips)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from intranet.ops.progress import Progress

from ...actions import payslips_purge, purge_cutoff, safe_log_purge


class Command(BaseCommand):
    help = (
        "Supprime les bulletins des agents partis, au-delà de PAYSLIPS_RETENTION_YEARS "
        "(ceux des agents en poste sont toujours conservés)."
    )

    def handle(self, *args, **options):
        progress = Progress(stream=self.stderr, out=self.stdout, label="Bulletins", unit="bulletin(s)")
        with progress:
            deleted = payslips_purge()
            progress.advance(deleted)
            events = safe_log_purge()
        progress.finish(
            f"{deleted} bulletin(s) d'agents partis antérieurs à {purge_cutoff():%m/%Y} supprimé(s) "
            f"(conservation employeur : {settings.PAYSLIPS_RETENTION_YEARS} ans) ; "
            f"{events} événement(s) de leur journal de coffre antérieurs à cette date supprimé(s)."
        )
