"""Copy the local file store to S3: the GED's blobs (GED_STORAGE_ROOT or MEDIA_ROOT/ged) and every other
upload under MEDIA_ROOT (Wagtail images, renditions, documents), to the "ged" and "default" storages the
S3_* settings configure (docs/deployment.md « Stockage objet (S3) »).

Every file is hashed locally (streaming), sent (multipart past S3_MULTIPART_CHUNK_MB, with its SHA-256 in
the object's metadata), then read back from the bucket as a stream and hashed again. Resumable: an object
already present with the same size and recorded SHA-256 is skipped (`--verify-existing` reads those back
too). A mismatch (or a GED blob whose bytes do not match its name) is reported by key; the bad object is
deleted so that the next run sends it again; the command then exits non-zero. Local files are never
modified or removed.
"""

import hashlib
import mimetypes
import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from ged import storage as ged_storage
from intranet.ops.errors import StorageUnavailable
from intranet.ops.progress import Progress
from intranet.storage.backends import IntranetS3Storage, outage_as_unavailable

READ_CHUNK = 1024 * 1024


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while data := fh.read(READ_CHUNK):
            digest.update(data)
    return digest.hexdigest()


def _sha256_remote(store: IntranetS3Storage, name: str) -> str:
    digest = hashlib.sha256()
    with store.open_stream(name) as body:
        while data := body.read(READ_CHUNK):
            digest.update(data)
    return digest.hexdigest()


def _files(base: Path, skip: Path | None = None):
    """(relative name, path) of every regular file under `base`, sorted, leaving out the `skip` tree."""
    if not base.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        if skip is not None:
            dirnames[:] = [d for d in dirnames if (here / d).resolve() != skip]
        for filename in filenames:
            path = here / filename
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(base).as_posix(), path))
    return sorted(found)


class Command(BaseCommand):
    help = "Copie les fichiers locaux (GED et médias) vers le stockage objet S3 et vérifie chaque SHA-256."

    def add_arguments(self, parser):
        parser.add_argument(
            "--verify-existing",
            action="store_true",
            help="Relit et vérifie aussi les objets déjà présents (sinon : taille et empreinte enregistrée).",
        )

    def handle(self, *args, verify_existing=False, **options):
        if not getattr(settings, "S3_ENABLED", False):
            raise CommandError(
                "Le stockage objet n'est pas configuré : définissez S3_BUCKET, S3_ENDPOINT_URL, "
                "S3_ACCESS_KEY_ID et S3_SECRET_ACCESS_KEY (voir docs/deployment.md)."
            )
        blob_store, media_store = storages["ged"], storages["default"]
        ged_root = ged_storage.root().resolve()
        media_root = Path(settings.MEDIA_ROOT).resolve()
        # Blobs only (not tmp/ and its upload spools); media without the GED's tree when it lives inside.
        work = [(blob_store, name, path, True) for name, path in _files(ged_root / "blobs")]
        work = [(s, f"blobs/{n}", p, b) for s, n, p, b in work]
        work += [(media_store, name, path, False) for name, path in _files(media_root, skip=ged_root)]
        progress = Progress(
            stream=self.stderr, out=self.stdout, total=len(work), label="Migration S3", unit="fichier(s)"
        )
        sent = skipped = 0
        size_sent = 0
        bad: list[str] = []
        try:
            with progress:
                for store, name, path, is_blob in work:
                    result = self._one(store, name, path, is_blob=is_blob, verify_existing=verify_existing)
                    if result == "sent":
                        sent += 1
                        size_sent += path.stat().st_size
                    elif result == "skipped":
                        skipped += 1
                    else:
                        bad.append(f"{store.key(name)} : {result}")
                    label = {"sent": "copiés", "skipped": "présents"}.get(result, "erreurs")
                    progress.advance(**{label: 1})
        except StorageUnavailable as exc:
            raise CommandError(
                f"Le stockage objet ne répond pas ({exc}). Relancez la commande : "
                "les fichiers déjà copiés et vérifiés ne seront pas renvoyés."
            ) from exc
        for line in bad:
            self.stderr.write(line)
        progress.finish(
            f"{len(work)} fichier(s) : {sent} copié(s) et vérifié(s) ({size_sent} octets), "
            f"{skipped} déjà présent(s), {len(bad)} en erreur."
        )
        if bad:
            raise CommandError(
                f"{len(bad)} fichier(s) ne correspondent pas à leur empreinte SHA-256 (liste ci-dessus) ; "
                "les objets fautifs ont été supprimés du bucket : relancez la commande."
            )

    def _one(self, store, name: str, path: Path, *, is_blob: bool, verify_existing: bool) -> str:
        """ "sent", "skipped" or the French reason of a mismatch."""
        local_sha = _sha256_file(path)
        if is_blob and local_sha != path.name:
            return f"le fichier local {path.name} ne correspond pas à son empreinte ({local_sha}), non copié"
        size = path.stat().st_size
        meta = store.head(name)
        present = (
            meta is not None
            and meta["ContentLength"] == size
            and meta.get("Metadata", {}).get("sha256") == local_sha
        )
        if present and not verify_existing:
            return "skipped"
        if not present:
            store.put_file(name, path, content_type=_content_type(name), metadata={"sha256": local_sha})
        remote_sha = _sha256_remote(store, name)
        if remote_sha != local_sha:
            with outage_as_unavailable():
                store.delete(name)
            return f"empreinte relue {remote_sha} au lieu de {local_sha}, objet supprimé"
        return "skipped" if present else "sent"


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
