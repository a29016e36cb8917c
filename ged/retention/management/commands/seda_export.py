"""Export documents as a SEDA 2.2 `ArchiveTransfer` package (a zip: manifest.xml + files), for IT to hand to
the archives' electronic archiving system. The current version of each live document of a folder (and its
subfolders) or of the given documents; rules and legal holds come from the retention tables when present.

The zip is written to `<output>.part` and renamed only once complete and its manifest validated against the
SEDA 2.2 schema; a stored file that does not match its SHA-256 stops the export (exit status 2) and leaves
nothing behind. The access log records each export with the package's own SHA-256 (the proof of what left).

Exit status: 0 exported, 1 bad arguments, 2 a stored file is missing or altered."""

import hashlib
import os
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ged.models import Document, Folder
from ged.retention.seda import TransferIntegrityError, document_items, stream_transfer, validate_manifest
from ged.retention.seda.rules import retention_lookups
from intranet.audit.actions import audit_record
from intranet.audit.choices import Result
from intranet.ops.progress import Progress


def _ids(value: str) -> list[int]:
    try:
        ids = [int(v) for v in value.replace(",", " ").split()]
    except ValueError:
        raise CommandError(
            "--documents attend des identifiants numériques séparés par des virgules (ex. 12,15,40)."
        ) from None
    if not ids or any(i <= 0 or i >= 2**63 for i in ids):
        raise CommandError("--documents attend au moins un identifiant de document valide.")
    return ids


def _default_agency() -> str:
    from intranet.people.models import Organisation

    host = Organisation.objects.filter(is_host=True).values_list("siren", "short_name").first()
    return (host and (host[0] or host[1])) or "intranet"


class Command(BaseCommand):
    help = "Exporte des documents en paquet de transfert SEDA 2.2 (zip : manifeste + fichiers)."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--folder", type=int, help="Identifiant du dossier (sous-dossiers compris)")
        which.add_argument("--documents", help="Identifiants des documents, séparés par des virgules")
        parser.add_argument("--output", required=True, help="Fichier zip à créer (jamais écrasé)")
        parser.add_argument("--message-id", default="", help="Identifiant du message (défaut : généré)")
        parser.add_argument("--comment", default="", help="Commentaire du transfert")
        parser.add_argument("--archival-agency", default="archives", help="Identifiant du service d'archives")
        parser.add_argument(
            "--transferring-agency",
            default="",
            help="Identifiant du service versant (défaut : SIREN de l'hôte)",
        )
        parser.add_argument("--archival-agreement", default="", help="Identifiant de l'accord de versement")

    def handle(self, *args, folder, documents, output, **options):
        if folder is not None:
            node = Folder.objects.filter(pk=folder).first() if 0 < folder < 2**63 else None
            if node is None:
                raise CommandError(f"Aucun dossier n° {folder}.")
            ids = list(
                Document.objects.live()
                .filter(folder__path__startswith=node.path, folder__trashed_at__isnull=True)
                .order_by("folder__path", "title", "pk")
                .values_list("pk", flat=True)
            )
        else:
            wanted = _ids(documents)
            found = set(Document.objects.live().filter(pk__in=wanted).values_list("pk", flat=True))
            unknown = [i for i in wanted if i not in found]
            if unknown:
                raise CommandError(
                    "Documents introuvables ou à la corbeille : " + ", ".join(map(str, unknown)) + "."
                )
            ids = wanted
        target = Path(output)
        if target.exists():
            raise CommandError(f"« {output} » existe déjà : rien n'est écrasé.")
        if not target.parent.is_dir():
            raise CommandError(f"Le dossier de « {output} » n'existe pas.")
        rule_for, hold_for = retention_lookups(ids)
        items = document_items(ids, rule_for, hold_for=hold_for)
        if not items:
            raise CommandError("Aucun document à exporter.")
        message_id = options["message_id"] or f"ged-transfert-{uuid.uuid4()}"
        # The same defaults as the archivist's download on /archives/versements/ (ged/retention/views.py).
        agency = (
            options["transferring_agency"]
            or getattr(settings, "RETENTION_TRANSFERRING_AGENCY", "")
            or _default_agency()
        )
        archival = (
            options["archival_agency"] or getattr(settings, "RETENTION_ARCHIVAL_AGENCY", "") or "FRAD059"
        )
        partial = target.with_name(target.name + ".part")
        package = hashlib.sha256()
        # A bar over the files' bytes on a terminal; one summary line under a timer.
        progress = Progress(
            stream=self.stderr,
            out=self.stdout,
            total=sum(i.size for i in items),
            label="SEDA",
            unit="octet(s)",
        )
        try:
            with progress, open(partial, "xb") as out:
                for chunk in stream_transfer(
                    items,
                    message_id=message_id,
                    comment=options["comment"],
                    archival_agency=archival,
                    transferring_agency=agency,
                    archival_agreement=options["archival_agreement"],
                ):
                    package.update(chunk)
                    out.write(chunk)
                    progress.advance(len(chunk))
                out.flush()
                os.fsync(out.fileno())
            with zipfile.ZipFile(partial) as archive:
                validate_manifest(archive.read("manifest.xml"))
        except TransferIntegrityError as exc:
            partial.unlink(missing_ok=True)
            audit_record(
                action="ged.seda_export",
                actor_label="seda_export",
                object_type="ged.document",
                object_id=exc.item.document_id,
                result=Result.FAILURE,
                extra={"message_id": message_id, "reason": exc.reason, "sha256": exc.item.sha256},
            )
            raise CommandError(str(exc), returncode=2) from exc
        except FileExistsError:
            raise CommandError(
                f"« {partial} » existe déjà (un export en cours ?) : rien n'est écrasé."
            ) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, target)
        size = sum(item.size for item in items)
        audit_record(
            action="ged.seda_export",
            actor_label="seda_export",
            object_type="ged.transfer",
            object_id=message_id,
            extra={
                "documents": [item.document_id for item in items],
                "package_sha256": package.hexdigest(),
                "bytes": size,
            },
        )
        progress.finish(
            f"{len(items)} document(s) exporté(s) dans {output} (message {message_id}, "
            f"SHA-256 du paquet {package.hexdigest()})."
        )
