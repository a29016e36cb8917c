"""`manage.py ldap_sync [--dry-run] [--verbose]`: bring accounts in line with the directory (docs/ldap.md)."""

from django.core.management.base import BaseCommand, CommandError

from intranet.ops.progress import Progress
from intranet.people.ldap_sync import ldap_sync_run


class Command(BaseCommand):
    help = "Synchronise les agents, services et groupes depuis l'annuaire LDAP (voir docs/ldap.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche ce qui changerait sans rien écrire."
        )
        parser.add_argument(
            "--verbose", action="store_true", help="Détaille chaque création, mise à jour et départ."
        )

    def handle(self, *args, dry_run=False, verbose=False, **options):
        progress = Progress(stream=self.stderr, out=self.stdout, label="Annuaire", unit="entrée(s)")
        with progress:
            report = ldap_sync_run(dry_run=dry_run, progress=progress)
        if verbose or options.get("verbosity", 1) > 1:
            for line in report.details:
                self.stdout.write(line)
            for line in report.warnings:
                self.stdout.write(self.style.WARNING(f"Attention : {line}"))
        elif report.warnings:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.warnings)} avertissements (relancez avec --verbose pour les lire)."
                )
            )
        for line in report.problems:
            self.stderr.write(self.style.ERROR(line))
        if dry_run and report.leavers:
            self.stdout.write("Départs qui seraient traités : " + ", ".join(report.leavers))
        progress.finish(report.summary())
        if not report.complete or report.leavers_skipped:
            # Non-zero so the systemd unit shows failed and IT gets alerted.
            raise CommandError("Synchronisation incomplète : voir les messages ci-dessus.")
