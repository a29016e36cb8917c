"""Import a file share into a space: keeps the tree, names and modification times, deduplicates, skips and
reports what it cannot take, writes a CSV report, and imports nothing twice when re-run (or resumed).

Why an interrupted import (even `kill -9`) can be resumed: each file is one transaction that stores the
document with its `import_key` (space + source path), so a file is either wholly imported or not at all, and
folders are found again by name. A plain re-run also brings changed files in as new versions; `--resume`
only finishes the job: a file whose key is already imported is skipped without being read, and its text is
extracted again if the interrupted run died before doing it (extraction runs after the commit)."""

import csv
import os
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ged.actions import document_upload, folder_create, live_namesake, version_create
from ged.models import Document, Folder, Space
from ged.names import clean_name
from ged.tasks import extract_text
from intranet.ops.progress import Progress


class Command(BaseCommand):
    help = (
        "Importe un partage de fichiers dans un espace documentaire (arborescence, noms et dates conservés)."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="Dossier à importer")
        parser.add_argument("--space", required=True, help="Identifiant de l'espace de destination")
        parser.add_argument(
            "--folder",
            default="",
            help="Chemin du dossier de destination dans l'espace (ex. « Archives/2024 »)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="N'importe rien, affiche ce qui serait fait"
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help=(
                "Reprend un import interrompu : les fichiers déjà importés sont ignorés sans être relus "
                "(leur texte est extrait s'il manque), les autres sont importés"
            ),
        )
        parser.add_argument(
            "--report", default="", help="Fichier CSV du rapport (défaut : ged-import-<espace>-<date>.csv)"
        )

    def handle(self, source, space, folder, dry_run, resume, report, verbosity=1, **options):
        root = Path(source).resolve()
        if not root.is_dir():
            raise CommandError(f"Le dossier source « {source} » n'existe pas ou n'est pas lisible.")
        try:
            self.space = Space.objects.select_related("root").get(slug=space)
        except Space.DoesNotExist:
            raise CommandError(f"Aucun espace n'a l'identifiant « {space} ».") from None
        self.dry_run = dry_run
        self.resume = resume
        self.verbosity = verbosity
        self.limit = settings.GED_MAX_UPLOAD_MB * 1024 * 1024
        self.counts = {"imported": 0, "version": 0, "unchanged": 0, "skipped": 0, "folder": 0, "resumed": 0}
        target = self.space.root
        for part in [p for p in folder.split("/") if p.strip()]:
            target = self._folder(target, part)
        report = report or f"ged-import-{space}-{datetime.now():%Y%m%d-%H%M%S}.csv"
        self.progress = Progress(stream=self.stderr, out=self.stdout, label="Import", unit="fichier(s)")
        if self.progress.interactive:
            # Only on a terminal, for the estimate: a quick walk of names (no file is read).
            self.progress.add_total(sum(len(files) for _dirs, _subdirs, files in os.walk(root)))
        with self.progress, open(report, "w", newline="", encoding="utf-8") as fh:
            self.writer = csv.writer(fh)
            self.writer.writerow(["statut", "chemin source", "destination", "détail"])
            self._walk(root, root, target)
        c = self.counts
        prefix = "[essai] " if dry_run else ""
        self.progress.finish(
            f"{prefix}{c['imported']} fichier(s) importé(s), {c['version']} "
            f"nouvelle(s) version(s), {c['unchanged']} déjà présent(s), "
            f"{c['skipped']} ignoré(s), {c['folder']} dossier(s) créé(s)"
            + (f", {c['resumed']} texte(s) à extraire de nouveau" if c["resumed"] else "")
            + f". Rapport : {report}"
        )

    def _row(self, status, path, dest="", detail=""):
        self.writer.writerow([status, str(path), dest, detail])
        refused = status in {"ignoré", "erreur"}
        self.progress.advance(**({"ignorés": 1} if refused else {}))
        if refused:
            if self.progress.interactive:
                self.stderr.write("\r\x1b[2K", ending="")  # the message on its own line, not after the bar
            self.stderr.write(f"{status} : {path} — {detail}")
        elif self.verbosity >= 2:
            self.stdout.write(f"{status} : {path}")

    def _folder(self, parent: Folder, raw_name: str) -> Folder:
        name = clean_name(raw_name)
        existing = Folder.objects.filter(
            path__startswith=parent.path, depth=parent.depth + 1, name__iexact=name, trashed_at__isnull=True
        ).first()
        if existing:
            return existing
        self.counts["folder"] += 1
        if self.dry_run:
            return parent
        return folder_create(parent=parent, name=name, actor=None)

    def _walk(self, root: Path, directory: Path, target: Folder):
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            self._row("ignoré", directory, "", f"dossier illisible ({exc.strerror})")
            self.counts["skipped"] += 1
            return
        for entry in entries:
            path = Path(entry.path)
            name = entry.name
            if name.startswith(".") or name.startswith("~$") or name in {"Thumbs.db", "desktop.ini"}:
                self._row("ignoré", path, "", "fichier caché ou système")
                self.counts["skipped"] += 1
                continue
            try:
                if entry.is_symlink():
                    real = path.resolve()
                    if not real.is_relative_to(root):
                        self._row("ignoré", path, "", "lien symbolique vers l'extérieur du partage")
                        self.counts["skipped"] += 1
                        continue
                    if real.is_dir():
                        self._row(
                            "ignoré", path, "", "lien symbolique vers un dossier (déjà importé ailleurs)"
                        )
                        self.counts["skipped"] += 1
                        continue
                st = path.stat()
            except OSError as exc:
                self._row("ignoré", path, "", f"illisible ({exc.strerror})")
                self.counts["skipped"] += 1
                continue
            if stat.S_ISDIR(st.st_mode):
                self._walk(root, path, self._folder(target, name))
                continue
            if not stat.S_ISREG(st.st_mode):
                self._row("ignoré", path, "", "ni fichier ni dossier")
                self.counts["skipped"] += 1
                continue
            if st.st_size > self.limit:
                self._row("ignoré", path, "", f"trop volumineux (plus de {settings.GED_MAX_UPLOAD_MB} Mo)")
                self.counts["skipped"] += 1
                continue
            if not os.access(path, os.R_OK):
                self._row("ignoré", path, "", "illisible (droits)")
                self.counts["skipped"] += 1
                continue
            self._file(root, path, st, target)

    def _file(self, root: Path, path: Path, st, target: Folder):
        key = f"{self.space.pk}:{path.relative_to(root).as_posix()}"[:1000]
        when = datetime.fromtimestamp(st.st_mtime, tz=UTC)
        title = clean_name(path.name)
        dest = f"{target.name}/{title}"
        existing = Document.objects.filter(import_key=key).select_related("current_version").first()
        if self.resume and existing is not None:
            self._resumed(existing, path, dest)
            return
        if existing is None:
            existing = live_namesake(target.pk, title)
        if existing is not None and existing.current_version_id:
            cv = existing.current_version
            if cv.size == st.st_size and cv.created_at == when:
                self._row("déjà présent", path, dest)
                self.counts["unchanged"] += 1
                return
        if self.dry_run:
            self._row("à importer" if existing is None else "nouvelle version", path, dest)
            self.counts["imported" if existing is None else "version"] += 1
            return
        try:
            if existing is None:
                document_upload(
                    folder=target,
                    uploaded_file_or_path=str(path),
                    author=None,
                    created_at=when,
                    comment="Import du partage de fichiers",
                    import_key=key,
                )
                self._row("importé", path, dest)
                self.counts["imported"] += 1
            else:
                if existing.current_version and existing.versions.filter(blob_id=_sha(path)).exists():
                    self._row("déjà présent", path, dest, "contenu identique")
                    self.counts["unchanged"] += 1
                    return
                version_create(
                    document=existing,
                    uploaded_file_or_path=str(path),
                    author=None,
                    created_at=when,
                    comment="Import du partage de fichiers",
                )
                self._row("nouvelle version", path, dest)
                self.counts["version"] += 1
        except ValidationError as exc:
            self._row("ignoré", path, dest, " ".join(exc.messages))
            self.counts["skipped"] += 1
        except OSError as exc:
            self._row("ignoré", path, dest, f"illisible ({exc.strerror})")
            self.counts["skipped"] += 1
        sys.stdout.flush()

    def _resumed(self, document: Document, path: Path, dest: str) -> None:
        """Already imported by an earlier run: skipped unread; its text extracted again if that run was
        killed between the commit and the extraction."""
        cv = document.current_version
        if not self.dry_run and cv is not None and document.text_version != cv.number:
            extract_text.enqueue(cv.pk)
            self.counts["resumed"] += 1
            self._row("déjà importé", path, dest, "texte à extraire de nouveau")
        else:
            self._row("déjà importé", path, dest)
        self.counts["unchanged"] += 1


def _sha(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()
