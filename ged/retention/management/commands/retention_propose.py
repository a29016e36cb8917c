"""Prepare a destruction list of the documents whose DUA has passed (rules D, and T with --tri), held ones
excluded, proposed in the name of an archivist; it then waits for the visa of another person."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...actions import destroyable_records, destruction_propose


class Command(BaseCommand):
    help = "Prépare une liste d'élimination des documents échus (hors gels), à faire viser."

    def add_arguments(self, parser):
        parser.add_argument("--archiviste", required=True, help="Identifiant de l'archiviste qui propose.")
        parser.add_argument("--tri", action="store_true", help="Inclure les règles à trier (T).")
        parser.add_argument("--note", default="", help="Note pour le visa.")
        parser.add_argument("--dry-run", action="store_true", help="Afficher sans créer la liste.")

    def handle(self, *args, archiviste, tri, note, dry_run, **options):
        user = get_user_model().objects.filter(username=archiviste, is_active=True).first()
        if user is None:
            raise CommandError(f"Agent inconnu ou inactif : {archiviste}.")
        if dry_run:
            records = list(destroyable_records(include_sort=tri))
            for r in records:
                self.stdout.write(f"{r.document_id}\t{r.rule.code}\t{r.due_date}\t{r.document.title}")
            self.stdout.write(f"{len(records)} document(s) à éliminer.")
            return
        try:
            dlist = destruction_propose(actor=user, include_sort=tri, note=note)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Liste d'élimination n° {dlist.pk} proposée : {dlist.items.count()} document(s).")
