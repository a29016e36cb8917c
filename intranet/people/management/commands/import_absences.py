"""`manage.py import_absences FICHIER.csv`: absences exported by the HR system (format: docs/presence.md).

Every line is checked before anything is written: one bad line and nothing is imported, each bad line is
listed. Importing the same file again changes nothing (lines are matched on their `reference`)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intranet.ops.progress import Progress
from intranet.people.presence_actions import absences_import

MAX_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = "Importe les absences exportées par le logiciel RH (CSV, voir docs/presence.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="Fichier CSV (UTF-8, séparateur point-virgule) ; « - » pour l'entrée standard."
        )

    def handle(self, *args, path, **options):
        if path == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"Fichier introuvable : {path}")
            if file.stat().st_size > MAX_BYTES:
                raise CommandError("Fichier trop gros (20 Mo au plus) : découpez l'export par période.")
            data = file.read_bytes()
        if len(data) > MAX_BYTES:
            raise CommandError("Fichier trop gros (20 Mo au plus) : découpez l'export par période.")
        with Progress(stream=self.stderr, out=self.stdout, label="Absences", unit="ligne(s)") as progress:
            report = absences_import(data, progress=progress)
            if report.ok:
                progress.finish(
                    f"Absences : {report.created} créée(s), {report.updated} mise(s) à jour, "
                    f"{report.deleted} supprimée(s) (annulées), {report.unchanged} inchangée(s)."
                )
        if not report.ok:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(
                f"Import refusé : {len(report.errors)} ligne(s) à corriger, aucune absence n'a été importée."
            )
