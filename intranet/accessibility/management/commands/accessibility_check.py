"""Run the project's own accessibility checks against a running intranet and record them for the statement.

    manage.py accessibility_check --url http://127.0.0.1:8000 --as agent.demo

axe-core (zero violations is the bar), horizontal overflow at 390 px, and each page's weight and requests.
The run is shown as evidence on /accessibilite/; the legal state stays the last recorded audit's."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from intranet.accessibility.checker import (
    DEFAULT_WIDTHS,
    CheckedPage,
    CheckerUnavailable,
    pages_for,
    run_checks,
)
from intranet.ops.progress import Progress


class Command(BaseCommand):
    help = "Vérifie l'accessibilité (axe-core), le défilement à 390 px et le poids des pages d'un intranet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", required=True, help="Adresse de l'intranet lancé, ex. http://127.0.0.1:8000"
        )
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="Identifiant de l'agent (actif) au nom duquel vérifier",
        )
        parser.add_argument(
            "--page", action="append", dest="pages", metavar="CHEMIN", help="Page à vérifier (répétable)"
        )
        parser.add_argument(
            "--width", action="append", type=int, dest="widths", metavar="PX", help="Largeur (répétable)"
        )

    def handle(self, *args, url, username, pages, widths, **options):
        if not url.startswith(("http://", "https://")):
            raise CommandError(f"Adresse invalide : « {url} » (attendu : http://… ou https://…).")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun agent actif « {username} ».")
        checked = [CheckedPage(p, p) for p in pages] if pages else pages_for(user)
        widths = widths or list(DEFAULT_WIDTHS)
        if any(w < 200 or w > 4000 for w in widths):
            raise CommandError("Une largeur doit être comprise entre 200 et 4000 pixels.")
        progress = Progress(
            stream=self.stderr,
            out=self.stdout,
            total=len(checked) * len(widths),
            label="Vérification",
            unit="page(s)",
        )
        try:
            run = run_checks(
                base_url=url, user=user, pages=checked, widths=widths, on_page=lambda _r: progress.advance()
            )
        except CheckerUnavailable as exc:
            raise CommandError(str(exc)) from exc
        failing = [r for r in run.results if r["violations"] or r["overflow"] or r.get("error")]
        for r in failing:
            what = []
            if r.get("error"):
                what.append(r["error"])
            if r["violations"]:
                what.append(", ".join(v["id"] for v in r["violations"]))
            if r["overflow"]:
                what.append("défilement horizontal")
            self.stdout.write(f"  {r['path']} à {r['width']} px : {' ; '.join(what)}")
        progress.finish(
            f"{len(run.results)} vérification(s), {run.violation_count} violation(s) axe-core, "
            f"{len(failing)} page(s) à corriger."
        )
        if failing:
            raise CommandError("Des pages ne passent pas les vérifications (voir ci-dessus).")
