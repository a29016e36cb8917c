"""Remove upload temp files, unfinished S3 multipart uploads, unreferenced blobs and stray blob files older
than GED_TMP_TTL_HOURS, expired upload sessions with their spool files, and spool files no session owns
(after an hour).

Safe while uploads run: rows are deleted first (skipping rows an upload holds), files only after that
commit and only under the hash's claim (`ged.actions.blob_file_remove`), so a re-upload of the same content
never commits a version whose file is gone."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from ged import storage
from ged.actions import blob_file_remove, blobs_sweep, upload_sessions_sweep
from ged.models import Blob
from intranet.ops.progress import Progress


class Command(BaseCommand):
    help = "Supprime les fichiers temporaires et les contenus orphelins de la GED."

    def add_arguments(self, parser):
        parser.add_argument("--ttl-hours", type=float, default=None)

    def handle(self, *args, ttl_hours=None, **options):
        ttl = (settings.GED_TMP_TTL_HOURS if ttl_hours is None else ttl_hours) * 3600
        cutoff = time.time() - ttl
        progress = Progress(stream=self.stderr, out=self.stdout, label="Nettoyage", unit="fichier(s) vu(s)")
        with progress:
            temps, orphans, files, sessions, spools = self._sweep(ttl, cutoff, progress)
            # Blob uploads to S3 a killed worker left unfinished: their parts, freed.
            parts = storage.stale_uploads_abort(cutoff)
        progress.finish(
            f"{temps} fichier(s) temporaire(s), {parts} envoi(s) S3 interrompu(s), {len(orphans)} contenu(s) "
            f"orphelin(s), {files} fichier(s) sans référence supprimés ; "
            f"{sessions} envoi(s) expiré(s) et {spools} fichier(s) d'envoi abandonné(s) supprimés."
        )

    def _sweep(self, ttl, cutoff, progress):
        sessions, spools = upload_sessions_sweep()
        temps = 0
        for path in storage.tmp_dir().iterdir():
            progress.advance()
            try:
                # An upload finishing meanwhile may rename or remove its temporary file between the listing
                # and here: gone is fine (flaky CI run under load).
                stale = path.is_file() and path.stat().st_mtime <= cutoff
            except FileNotFoundError:
                continue
            if stale:
                path.unlink(missing_ok=True)
                temps += 1
        # Blob rows no version uses any more (purged documents, rolled-back uploads), past the grace period.
        orphans = blobs_sweep(older_than=timezone.now() - timedelta(seconds=ttl))
        # Files with no Blob row (a transaction rolled back after the file was stored).
        files = 0
        known = set(Blob.objects.values_list("sha256", flat=True))
        for sha in storage.blob_list():
            progress.advance()
            if sha in known:
                continue
            # Local file or S3 object alike: its write time decides (gone meanwhile: nothing to do).
            written = storage.blob_modified(sha)
            if written is not None and written <= cutoff and blob_file_remove(sha):
                files += 1
        return temps, orphans, files, sessions, spools
