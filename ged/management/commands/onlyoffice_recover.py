"""Import the files the Document Server kept as "forgotten" (a save it could not deliver) as versions."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ged.models import EditorKey
from ged.online import online_version_store
from ged.onlyoffice import enabled, fetch_and_stage
from ged.onlyoffice.commands import CommandError as DSCommandError
from ged.onlyoffice.commands import delete_forgotten, forgotten, forgotten_list


class Command(BaseCommand):
    help = (
        "Récupère les fichiers « oubliés » du serveur OnlyOffice (enregistrements qu'il n'a pas pu "
        "remettre à l'intranet) et les importe comme nouvelles versions, marquées en conflit si le "
        "document a changé "
        "entre-temps. Sans effet la deuxième fois. --list affiche seulement."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list", action="store_true", help="Afficher les fichiers oubliés sans importer."
        )

    def handle(self, *args, list=False, **options):  # noqa: A002  (the option's name)
        if not enabled():
            raise CommandError("OnlyOffice est désactivé (ONLYOFFICE_URL vide).")
        try:
            keys = forgotten_list()
        except DSCommandError as exc:
            raise CommandError(f"Le serveur OnlyOffice ne répond pas : {exc}") from None
        if not keys:
            self.stdout.write("Aucun fichier oublié.")
            return
        imported = failed = 0
        for key in dict.fromkeys(keys):  # once each, in the DS's order
            ek = EditorKey.objects.select_related("document", "document__folder").filter(key=key).first()
            if ek is None:
                self.stdout.write(f"{key} : clé inconnue de l'intranet (autre application ?), ignorée.")
                continue
            document = ek.document
            label = f"{key} : « {document.title} » (document {document.pk})"
            if list:
                self.stdout.write(label)
                continue
            if document.trashed_at is not None:
                self.stdout.write(f"{label} : document à la corbeille ; restaurez-le puis relancez.")
                failed += 1
                continue
            try:
                outcome = self._import(ek, key)
            except (DSCommandError, DatabaseError) as exc:
                self.stderr.write(f"{label} : échec, à relancer ({exc}).")
                failed += 1
                continue
            if outcome is None:
                self.stderr.write(f"{label} : fichier illisible ou refusé, gardé par le serveur OnlyOffice.")
                failed += 1
                continue
            self.stdout.write(f"{label} : {outcome}.")
            imported += 1
        if not list:
            self.stdout.write(f"{imported} fichier(s) traité(s), {failed} en échec.")
        if failed:
            raise CommandError(f"{failed} fichier(s) non récupéré(s) : voir ci-dessus.")

    def _import(self, ek: EditorKey, key: str) -> str | None:
        url = forgotten(key)
        if url is None:
            return "déjà supprimé du serveur OnlyOffice"
        staged, _failure = fetch_and_stage(url, document=ek.document)
        if staged is None:
            return None
        try:
            result = online_version_store(
                ek=ek, staged=staged, status=2, author=None, history={}, changes=None, recovered=True
            )
        finally:
            staged.discard()
        # Stored (or already stored by an earlier run): the DS may forget it now.
        delete_forgotten(key)
        if result.outcome == "duplicate":
            return "déjà importé"
        if result.conflict:
            return f"importé comme version {result.version.number}, en conflit"
        return f"importé comme version {result.version.number}"
