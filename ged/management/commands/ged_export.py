"""Export a space to a plain directory tree: the current version of every live document, folders as
directories, modification times kept, every file's SHA-256 checked against its content address, and a CSV
manifest. What IT runs when a service hands its files to another body, leaves the GED, or wants a plain copy
for its own archives (records to keep for good go through the SEDA export of the records issue instead).

Everything in the space is exported, restricted folders included: this is an IT command, and the access log
records who ran it. Nothing is overwritten: the target must not exist or be empty. Works the same on local
and S3 storage (the bytes are streamed, never read whole)."""

import csv
import hashlib
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ged import storage
from ged.models import Document, Folder, Space
from ged.names import clean_name
from intranet.audit.actions import audit_record
from intranet.ops.progress import Progress

CHUNK = 1024 * 1024
MANIFEST_FIELDS = ["chemin", "document", "version", "taille", "sha256", "auteur", "date", "statut"]


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or « name (2).ext »… when a sibling already holds it (case-insensitive, as on Windows)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    taken.add(candidate.casefold())
    return candidate


class Command(BaseCommand):
    help = "Exporte un espace documentaire dans un dossier (versions courantes, arborescence, manifeste CSV)."

    def add_arguments(self, parser):
        parser.add_argument("space", help="Identifiant de l'espace à exporter")
        parser.add_argument("target", help="Dossier de destination (inexistant ou vide)")
        parser.add_argument(
            "--manifest", default="", help="Fichier CSV du manifeste (défaut : <destination>-manifeste.csv)"
        )

    def handle(self, space, target, manifest, **options):
        space_obj = Space.objects.filter(slug=space).select_related("root").first()
        if space_obj is None:
            raise CommandError(f"Aucun espace « {space} ».")
        target_dir = Path(target).resolve()
        if target_dir.exists() and (not target_dir.is_dir() or any(target_dir.iterdir())):
            raise CommandError(
                f"La destination « {target} » existe et n'est pas un dossier vide : rien n'est écrasé."
            )
        manifest_path = (
            Path(manifest).resolve() if manifest else target_dir.with_name(target_dir.name + "-manifeste.csv")
        )
        if manifest_path.exists():
            raise CommandError(f"Le manifeste « {manifest_path} » existe déjà : rien n'est écrasé.")
        if manifest_path.is_relative_to(target_dir):
            raise CommandError("Le manifeste doit être écrit hors du dossier exporté.")

        directories = self._directories(space_obj)
        documents = list(
            Document.objects.live()
            .filter(space=space_obj, folder_id__in=directories, current_version__isnull=False)
            .select_related("current_version__author")
            .order_by("folder__path", "title", "pk")
        )
        target_dir.mkdir(parents=True, exist_ok=True)
        taken: dict[str, set[str]] = {}
        for relative in directories.values():
            (target_dir / relative).mkdir(parents=True, exist_ok=True)
        progress = Progress(
            stream=self.stderr, out=self.stdout, total=len(documents), label="Export", unit="fichier(s)"
        )
        errors = exported = size_total = 0
        with open(manifest_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=MANIFEST_FIELDS, delimiter=";")
            writer.writeheader()
            for document in documents:
                version = document.current_version
                folder_dir = directories[document.folder_id]
                name = clean_name(document.title)
                if "." not in name and "." in version.original_name:
                    name += "." + version.original_name.rpartition(".")[2]
                if folder_dir not in taken:  # a file never takes a sub-directory's name
                    taken[folder_dir] = set(self._sub_dirs(directories, folder_dir))
                name = _unique(name, taken[folder_dir])
                relative = os.path.join(folder_dir, name) if folder_dir else name
                status = self._write(version, target_dir / relative)
                if status == "ok":
                    exported += 1
                    size_total += version.size
                else:
                    errors += 1
                writer.writerow(
                    {
                        "chemin": relative,
                        "document": document.pk,
                        "version": version.number,
                        "taille": version.size,
                        "sha256": version.blob_id,
                        "auteur": version.author.get_full_name() if version.author else "",
                        "date": version.created_at.isoformat(),
                        "statut": status,
                    }
                )
                progress.advance(errors=1 if status != "ok" else 0)
        audit_record(
            action="ged.space_export",
            obj=space_obj,
            actor_label="manage.py ged_export",
            extra={"target": str(target_dir), "files": exported, "errors": errors, "bytes": size_total},
        )
        progress.finish(
            f"{exported} fichier(s) exporté(s) de « {space_obj.name} » vers {target_dir}, "
            f"{len(directories)} dossier(s), {errors} erreur(s) ; manifeste : {manifest_path}"
        )
        if errors:
            raise CommandError(f"{errors} fichier(s) n'ont pas pu être exportés intacts : voir le manifeste.")

    def _directories(self, space) -> dict[int, str]:
        """Live folders (none under a trashed one) -> their relative directory; the root is ''."""
        folders = list(
            Folder.objects.filter(space=space).order_by("path").values("pk", "path", "name", "trashed_at")
        )
        trashed = [f["path"] for f in folders if f["trashed_at"] is not None]
        result: dict[int, str] = {}
        by_path: dict[str, str] = {}
        taken: dict[str, set[str]] = {}
        for folder in folders:
            if any(folder["path"].startswith(t) for t in trashed):
                continue
            if folder["pk"] == space.root_id:
                result[folder["pk"]] = by_path[folder["path"]] = ""
                continue
            parent = by_path.get(folder["path"][: -Folder.steplen])
            if parent is None:  # outside the root's tree (should not happen): not exported
                continue
            name = _unique(clean_name(folder["name"]), taken.setdefault(parent, set()))
            relative = os.path.join(parent, name) if parent else name
            result[folder["pk"]] = by_path[folder["path"]] = relative
        return result

    @staticmethod
    def _sub_dirs(directories: dict[int, str], parent: str) -> list[str]:
        """The names of `parent`'s sub-directories, casefolded: a file never takes a directory's name."""
        return [
            os.path.basename(d).casefold() for d in directories.values() if d and os.path.dirname(d) == parent
        ]

    def _write(self, version, path: Path) -> str:
        """Stream the blob to `path` through a temporary name and check its SHA-256: "ok" or what failed."""
        temp = path.with_name(f".{path.name}.part")
        digest = hashlib.sha256()
        try:
            with storage.blob_open(version.blob_id) as source, open(temp, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except Exception as exc:  # noqa: BLE001  (missing blob, storage error: reported per file)
            temp.unlink(missing_ok=True)
            return f"erreur : contenu illisible ({type(exc).__name__})"
        if digest.hexdigest() != version.blob_id:
            temp.unlink(missing_ok=True)
            return "erreur : empreinte SHA-256 différente du contenu enregistré"
        os.replace(temp, path)
        stamp = version.created_at.timestamp()
        os.utime(path, (stamp, stamp))
        return "ok"
