"""Demo data for milestones and templates: the two templates the territory ships (« Projet d'investissement »,
« Marché public »), milestones on the cycling master plan, and a project created from « Marché public » with
some history. Idempotent: what exists is left alone. Runs after the projects seeder (order 70)."""

import datetime

from django.utils import timezone

from . import actions, milestones, templating
from .choices import JoinPolicy, MemberRole, Status, Visibility
from .demo import DEMO_NAME
from .models import Card, ChecklistItem, Milestone, Template, Workspace

INVESTMENT = "Projet d'investissement"
PUBLIC_MARKET = "Marché public"
FIBRE_NAME = "Fibre optique pour les mairies"

TEMPLATES = {
    INVESTMENT: {
        "description": (
            "Une opération d'équipement de la programmation aux travaux : programme, plan de financement et "
            "subventions, maîtrise d'œuvre, marchés de travaux, chantier et réception."
        ),
        "data": {
            "boards": [
                {
                    "name": "Suivi de l'opération",
                    "columns": ["À instruire", "Études", "Marchés", "Travaux", "Terminé"],
                    "labels": ["Budget", "Subventions", "Études", "Travaux", "Communication", "Élus"],
                    "cards": [
                        {
                            "title": "Rédiger le programme fonctionnel",
                            "column": 1,
                            "labels": ["Études"],
                            "checklist": [
                                "Recueillir les besoins des services utilisateurs",
                                "Visiter le site avec le bureau d'études",
                                "Estimer le coût prévisionnel de l'opération",
                            ],
                            "milestone": "Validation du programme en bureau communautaire",
                        },
                        {
                            "title": "Inscrire l'opération au plan pluriannuel d'investissement",
                            "column": 0,
                            "labels": ["Budget", "Élus"],
                            "checklist": [
                                "Fiche opération pour la commission des finances",
                                "Autorisation de programme et crédits de paiement au budget",
                            ],
                            "milestone": "Validation du programme en bureau communautaire",
                        },
                        {
                            "title": "Monter les dossiers de subvention",
                            "column": 0,
                            "labels": ["Subventions"],
                            "checklist": [
                                "DETR / DSIL auprès de la préfecture",
                                "Région : contrat de territoire",
                                "Département : aide aux communes et intercommunalités",
                                "Plan de financement signé par le président",
                            ],
                            "milestone": "Dépôt des demandes de subvention",
                        },
                        {
                            "title": "Choisir le maître d'œuvre",
                            "column": 2,
                            "labels": ["Études"],
                            "checklist": [
                                "Avis d'appel public à la concurrence",
                                "Analyse des candidatures et des offres",
                                "Notification du marché de maîtrise d'œuvre",
                            ],
                        },
                        {
                            "title": "Consulter les entreprises de travaux",
                            "column": 2,
                            "labels": ["Travaux"],
                            "checklist": [
                                "Dossier de consultation validé par la maîtrise d'œuvre",
                                "Publication sur le profil acheteur",
                                "Rapport d'analyse des offres",
                                "Commission d'appel d'offres",
                            ],
                            "milestone": "Attribution des marchés de travaux",
                        },
                        {
                            "title": "Suivre le chantier",
                            "column": 3,
                            "labels": ["Travaux"],
                            "checklist": [
                                "Ordre de service de démarrage",
                                "Réunions de chantier hebdomadaires",
                                "Contrôle des situations de travaux",
                            ],
                            "milestone": "Démarrage des travaux",
                        },
                        {
                            "title": "Informer les habitants et les élus",
                            "column": 0,
                            "labels": ["Communication", "Élus"],
                            "checklist": [
                                "Article dans le magazine intercommunal",
                                "Panneau de chantier avec les logos des financeurs",
                            ],
                        },
                        {
                            "title": "Réceptionner l'ouvrage",
                            "column": 3,
                            "labels": ["Travaux"],
                            "checklist": [
                                "Opérations préalables à la réception",
                                "Levée des réserves",
                                "Dossier des ouvrages exécutés remis",
                            ],
                            "milestone": "Réception des travaux",
                        },
                    ],
                }
            ],
            "milestones": [
                {"name": "Validation du programme en bureau communautaire", "offset_days": 30},
                {"name": "Dépôt des demandes de subvention", "offset_days": 60},
                {"name": "Attribution des marchés de travaux", "offset_days": 150},
                {"name": "Démarrage des travaux", "offset_days": 180},
                {"name": "Réception des travaux", "offset_days": 420},
            ],
        },
    },
    PUBLIC_MARKET: {
        "description": (
            "Une consultation de la définition du besoin à la notification : dossier de consultation, "
            "publicité, analyse des offres, information des candidats, exécution."
        ),
        "data": {
            "boards": [
                {
                    "name": "Procédure de marché",
                    "columns": [
                        "Définition du besoin",
                        "Rédaction du DCE",
                        "Publicité et offres",
                        "Analyse et attribution",
                        "Exécution",
                        "Terminé",
                    ],
                    "labels": ["Juridique", "Technique", "Finances", "Urgent"],
                    "cards": [
                        {
                            "title": "Définir le besoin et estimer le montant",
                            "column": 0,
                            "labels": ["Technique", "Finances"],
                            "checklist": [
                                "Sourçage auprès des fournisseurs",
                                "Estimation et choix de la procédure selon les seuils",
                                "Vérifier les crédits disponibles",
                            ],
                        },
                        {
                            "title": "Rédiger le CCTP",
                            "column": 1,
                            "labels": ["Technique"],
                            "checklist": [
                                "Spécifications techniques",
                                "Clauses environnementales et sociales",
                            ],
                            "milestone": "Validation du DCE",
                        },
                        {
                            "title": "Rédiger le règlement de consultation et le CCAP",
                            "column": 1,
                            "labels": ["Juridique"],
                            "checklist": [
                                "Critères de jugement et leur pondération",
                                "Pénalités et délais d'exécution",
                                "Allotissement ou sa justification",
                            ],
                            "milestone": "Validation du DCE",
                        },
                        {
                            "title": "Publier l'avis d'appel public à la concurrence",
                            "column": 2,
                            "labels": ["Juridique"],
                            "checklist": ["Profil acheteur", "BOAMP ou JOUE selon le montant"],
                            "milestone": "Publication de l'avis",
                        },
                        {
                            "title": "Répondre aux questions des candidats",
                            "column": 2,
                            "labels": ["Juridique"],
                            "checklist": ["Réponses publiées pour tous les candidats"],
                            "milestone": "Date limite de remise des offres",
                        },
                        {
                            "title": "Analyser les offres",
                            "column": 3,
                            "labels": ["Technique", "Finances"],
                            "checklist": [
                                "Ouverture des plis",
                                "Demandes de précisions aux candidats",
                                "Rapport d'analyse des offres",
                            ],
                            "milestone": "Commission d'appel d'offres",
                        },
                        {
                            "title": "Informer les candidats non retenus",
                            "column": 3,
                            "labels": ["Juridique"],
                            "checklist": ["Courriers de rejet motivés", "Délai de suspension de 11 jours"],
                            "milestone": "Notification du marché",
                        },
                        {
                            "title": "Notifier le marché et publier l'avis d'attribution",
                            "column": 3,
                            "labels": ["Juridique"],
                            "checklist": ["Notification au titulaire", "Avis d'attribution publié"],
                            "milestone": "Notification du marché",
                        },
                        {
                            "title": "Suivre l'exécution du marché",
                            "column": 4,
                            "labels": ["Finances"],
                            "checklist": [
                                "Ordre de service de démarrage",
                                "Factures payées dans le délai global de 30 jours",
                            ],
                        },
                    ],
                }
            ],
            "milestones": [
                {"name": "Validation du DCE", "offset_days": 30},
                {"name": "Publication de l'avis", "offset_days": 40},
                {"name": "Date limite de remise des offres", "offset_days": 75},
                {"name": "Commission d'appel d'offres", "offset_days": 95},
                {"name": "Notification du marché", "offset_days": 110},
            ],
        },
    },
}

# (name, days from today, closed, titles of the cycling project's cards attached)
CYCLING_MILESTONES = (
    ("Lancement avec les maires", -7, True, ["Réunion de lancement avec les maires"]),
    (
        "Diagnostic partagé avec les communes",
        20,
        False,
        ["Recenser les points noirs signalés par les communes", "Comptages vélo sur la RD 916"],
    ),
    ("Dossier « Fonds vélo » déposé", 30, False, ["Préparer le dossier de subvention « Fonds vélo »"]),
    ("Schéma validé en conseil communautaire", 120, False, []),
)


def _seed_templates(creator) -> int:
    made = 0
    for name, spec in TEMPLATES.items():
        if Template.objects.filter(name=name).exists():
            continue
        Template.objects.create(
            name=name,
            description=spec["description"],
            kind=Template.Kind.WORKSPACE,
            data=templating.clean_data(spec["data"]),
            created_by=creator,
        )
        made += 1
    return made


def _seed_cycling_milestones(today) -> None:
    ws = Workspace.objects.filter(name=DEMO_NAME).select_related("lead").first()
    if ws is None or Milestone.objects.filter(workspace=ws).exists():
        return
    for name, days, closed, titles in CYCLING_MILESTONES:
        milestone = milestones.milestone_create(
            workspace=ws, name=name, date=today + datetime.timedelta(days=days), actor=ws.lead
        )
        for card in Card.objects.filter(board__workspace=ws, title__in=titles).select_related(
            "board__workspace"
        ):
            milestones.card_milestone_set(card=card, milestone=milestone, actor=ws.lead)
        if closed:
            milestones.milestone_close(milestone=milestone, actor=ws.lead)


def _seed_fibre_project(today, people) -> None:
    """A public market run from the template, started seven weeks ago: the DCE is done, the notice is out."""
    template = Template.objects.filter(name=PUBLIC_MARKET).first()
    if template is None or Workspace.objects.filter(name=FIBRE_NAME).exists() or len(people) < 4:
        return
    lead, buyer, engineer, sponsor = people[1], people[2], people[3], people[0]
    ws = templating.workspace_create_from_template(
        template=template,
        name=FIBRE_NAME,
        description=(
            "Raccorder les 50 mairies du territoire au très haut débit : marché de travaux et d'abonnements, "
            "avec le syndicat départemental du numérique."
        ),
        creator=lead,
        sponsor=sponsor,
        start_date=today - datetime.timedelta(days=49),
        end_date=today + datetime.timedelta(days=400),
        status=Status.ACTIVE,
        visibility=Visibility.PRIVATE,
        join_policy=JoinPolicy.REQUEST,
        members={buyer: MemberRole.CONTRIBUTOR, engineer: MemberRole.CONTRIBUTOR, sponsor: MemberRole.READER},
    )
    board = ws.boards.get()
    columns = list(board.columns.all())
    done = columns[-1]
    # History: the need and the DCE are done; the notice is published.
    for title in (
        "Définir le besoin et estimer le montant",
        "Rédiger le CCTP",
        "Rédiger le règlement de consultation et le CCAP",
    ):
        card = Card.objects.get(board=board, title=title)
        actions.card_move(card=card, column=done, position=0, actor=lead)
        ChecklistItem.objects.filter(card=card).update(done=True)
    notice = Card.objects.get(board=board, title="Publier l'avis d'appel public à la concurrence")
    ChecklistItem.objects.filter(card=notice, position=0).update(done=True)
    for title, days, who in (
        ("Publier l'avis d'appel public à la concurrence", -5, buyer),
        ("Répondre aux questions des candidats", 20, buyer),
        ("Analyser les offres", 45, engineer),
    ):
        card = Card.objects.get(board=board, title=title)
        actions.card_edit(
            card=card,
            version=card.version,
            actor=lead,
            title=card.title,
            description=card.description,
            due_date=today + datetime.timedelta(days=days),
            assignees=[who],
            labels=list(card.labels.all()),
        )
    milestones.milestone_close(
        milestone=Milestone.objects.get(workspace=ws, name="Validation du DCE"), actor=lead
    )


def seed_projects_plan_demo(*, stdout, agents: dict) -> None:
    people = [u for u in agents.values() if u.is_active]
    if not people:
        return
    today = timezone.localdate()
    made = _seed_templates(people[0])
    _seed_cycling_milestones(today)
    _seed_fibre_project(today, people)
    if made:
        stdout.write(f"Projets : {made} modèles (« {INVESTMENT} », « {PUBLIC_MARKET} ») et des jalons.\n")
