"""Re-hash the stored blobs against their SHA-256 (weekly under intranet-fixity.timer).

Exit status: 0 all match, 1 at least one blob altered or missing (the systemd unit then shows as failed; the
access log and IT's notification say which), 2 bad arguments. `--limit N` checks N blobs and prints where
to resume (`--after <sha256>`); `--since YYYY-MM-DD` checks only the blobs written since that day."""

import re
import sys
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ged.retention.fixity import fixity_check, summary
from intranet.ops.progress import Progress

_SHA = re.compile(r"^[0-9a-f]{64}$")


class Command(BaseCommand):
    help = "Vérifie l'intégrité des fichiers de la GED (empreintes SHA-256) et signale les écarts."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Nombre maximal de contenus à vérifier")
        parser.add_argument("--since", default="", help="Seulement les contenus écrits depuis (AAAA-MM-JJ)")
        parser.add_argument("--after", default="", help="Reprendre après cette empreinte SHA-256")

    def handle(self, *args, limit=None, since="", after="", **options):
        if limit is not None and limit <= 0:
            raise CommandError("--limit attend un nombre positif.", returncode=2)
        if after and not _SHA.match(after):
            raise CommandError(
                "--after attend une empreinte SHA-256 (64 caractères hexadécimaux).", returncode=2
            )
        since_dt = None
        if since:
            try:
                day = datetime.strptime(since, "%Y-%m-%d").date()
            except ValueError:
                raise CommandError(
                    "--since attend une date AAAA-MM-JJ (ex. 2026-01-31).", returncode=2
                ) from None
            since_dt = timezone.make_aware(datetime.combine(day, time.min))
        progress = Progress(stream=self.stderr, out=self.stdout, label="Intégrité", unit="contenu(s)")
        with progress:
            report = fixity_check(
                limit=limit, since=since_dt, after=after, on_blob=lambda _size: progress.advance()
            )
        for problem in report.problems:
            what = "manquant" if problem.kind == "missing" else "altéré"
            self.stdout.write(f"{what} : {problem.sha256}")
        progress.finish(summary(report))
        if report.problems:
            sys.exit(1)
