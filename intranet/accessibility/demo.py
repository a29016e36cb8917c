"""Demo content of the statement: the contact and a three-year plan, as IT would type them. No audit: the
demo, like a new installation, is « non conforme » until one is recorded."""

from .models import KnownException, PlanYear, Statement

PLAN = {
    2026: (
        "Vérification automatique (axe-core, 390 px) de chaque page à chaque livraison",
        "Formation des rédacteurs d'actualités et de guides aux contenus accessibles",
    ),
    2027: (
        "Audit de conformité RGAA par un prestataire externe, sur un échantillon représentatif",
        "Correction des non-conformités relevées par l'audit",
    ),
    2028: (
        "Contre-audit et mise à jour de la déclaration",
        "Documents bureautiques déposés dans la GED : modèles accessibles proposés aux services",
    ),
}


def seed_accessibility(*, stdout, agents=None):
    statement = Statement.current()
    if not statement.contact_email:
        statement.contact_email = "accessibilite@cc-flandreinterieure.fr"
        statement.contact_postal = "Communauté de Communes de Flandre Intérieure\nService informatique"
        statement.save()
    for year, actions in PLAN.items():
        PlanYear.objects.get_or_create(year=year, defaults={"actions": "\n".join(actions)})
    KnownException.objects.get_or_create(
        subject="Documents bureautiques anciens de la GED",
        defaults={
            "kind": "non_conforme",
            "detail": "Des documents déposés avant 2026 ne sont pas structurés (titres, textes alternatifs). "
            "Demandez une version accessible au service qui les a publiés.",
        },
    )
    stdout.write("  déclaration d'accessibilité : contact et schéma pluriannuel")
