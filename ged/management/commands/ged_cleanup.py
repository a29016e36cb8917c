"""Remove upload temp files and unreferenced blobs older than GED_TMP_TTL_HOURS."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from ged import storage
from ged.models import Blob, Version


class Command(BaseCommand):
    help = "Supprime les fichiers temporaires et les contenus orphelins de la GED."

    def add_arguments(self, parser):
        parser.add_argument("--ttl-hours", type=float, default=None)

    def handle(self, *args, ttl_hours=None, **options):
        ttl = (settings.GED_TMP_TTL_HOURS if ttl_hours is None else ttl_hours) * 3600
        cutoff = time.time() - ttl
        temps = 0
        for path in storage.tmp_dir().iterdir():
            if path.is_file() and path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                temps += 1
        # Blob rows no version uses any more (purged documents).
        used = Version.objects.values("blob_id")
        orphans = list(Blob.objects.exclude(sha256__in=used).values_list("sha256", flat=True))
        for sha in orphans:
            storage.blob_delete(sha)
        Blob.objects.filter(sha256__in=orphans).exclude(sha256__in=used).delete()
        # Files with no Blob row (a transaction rolled back after the file was stored).
        files = 0
        known = set(Blob.objects.values_list("sha256", flat=True))
        for sha in storage.blob_list():
            path = storage.local_path(sha)
            if sha not in known and path is not None and path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                files += 1
        self.stdout.write(
            f"{temps} fichier(s) temporaire(s), {len(orphans)} contenu(s) "
            f"orphelin(s), {files} fichier(s) sans référence supprimés."
        )
