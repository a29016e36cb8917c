"""`manage.py seed_demo`: fill an empty intranet with the CCFI demo territory, then each app's demo data."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from intranet.people.demo import DEMO_LOGINS, seed_people
from intranet.registry import demo_seeders

DEFAULT_PASSWORD = "demo-ccfi-2026"
# Where `make run` serves the demo; the Makefile passes its HOST and PORT (DEMO_URL) so the message is true.
DEFAULT_DEMO_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Crée les données de démonstration : organismes, services, agents (mot de passe commun) "
        "et le contenu de démonstration de chaque application. Peut être relancée sans rien dupliquer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help=(
                "Mot de passe des comptes créés "
                f"(sinon la variable DEMO_PASSWORD, sinon « {DEFAULT_PASSWORD} »)."
            ),
        )
        parser.add_argument(
            "--force", action="store_true", help="Exécuter même lorsque DEBUG est désactivé (déconseillé)."
        )

    def handle(self, *args, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG est désactivé : cette instance ressemble à une production. "
                "Les comptes de démonstration ont un mot de passe connu de tous "
                "et ouvriraient l'intranet à n'importe qui. "
                "Relancez avec --force si vous êtes certain·e qu'il s'agit d'une instance de démonstration."
            )
        password = password or os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD

        self.stdout.write("Agents et organisation…")
        with transaction.atomic():
            result = seed_people(stdout=self.stdout, password=password)
        for key, seeder in demo_seeders():
            self.stdout.write(f"Application « {key} »…")
            with transaction.atomic():
                seeder(stdout=self.stdout, agents=result["agents"])

        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration prêtes : {result['created']} élément(s) créé(s), "
                f"{result['updated']} mis à jour."
            )
        )
        self._print_logins(result["agents"], password)

    def _print_logins(self, agents, password):
        rows = [(username, agents[username].get_full_name(), role) for username, role in DEMO_LOGINS]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        self.stdout.write("\nComptes de démonstration :")
        for username, name, role in rows:
            self.stdout.write(f"  {username.ljust(widths[0])}  {name.ljust(widths[1])}  {role}")
        self.stdout.write(f"\nMot de passe commun : {password}")
        self.stdout.write("(seuls les comptes créés par ce lancement ont reçu ce mot de passe)")
        demo_url = os.environ.get("DEMO_URL") or DEFAULT_DEMO_URL
        self.stdout.write(f"Ouvrez {demo_url} et connectez-vous avec l'un de ces identifiants.")
