"""Demo news of the CCFI: categories, a dozen news items (must-reads with due dates, some for one commune or
one department only), the editors' groups and the moderation workflow. Idempotent: items are looked up by
slug and only created when missing."""

from datetime import timedelta
from typing import NamedTuple

from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.rich_text import RichText

from intranet.people.models import Department, Organisation

from .actions import acknowledgement_record, news_index_ensure, news_moderation_ensure
from .models import NewsCategory, NewsPage
from .permissions import EDITORS_GROUP, MANAGERS_GROUP

CATEGORIES = (
    ("vie-ccfi", "Vie de la CCFI"),
    ("ressources-humaines", "Ressources humaines"),
    ("numerique", "Numérique et informatique"),
    ("communes", "Vie des communes"),
    ("environnement", "Environnement"),
    ("prevention", "Prévention et sécurité"),
)
EDITORS = ("camille.martin", "thomas.bernard")
MANAGERS = ("aurelie.lemaire",)


class NewsSpec(NamedTuple):
    slug: str
    title: str
    category: str
    intro: str
    paragraphs: tuple[str, ...]
    days_ago: int
    must_read_due_in: int | None = None  # days from today; None: not a must-read
    communes: tuple[str, ...] = ()  # INSEE codes: only for these employers
    departments: tuple[str, ...] = ()  # slugs: only for these departments (and their sub-services)
    quote: tuple[str, str] | None = None


NEWS = (
    NewsSpec(
        "charte-informatique-2027", "Nouvelle charte informatique : lecture obligatoire", "numerique",
        "La charte d'usage du système d'information évolue au 1er janvier. Chaque agent doit la lire et "
        "confirmer sa lecture avant la date limite.",
        (
            "La charte encadre l'usage des postes, de la messagerie, de l'intranet et des outils en ligne. "
            "Elle interdit désormais le stockage de documents de travail sur des clouds personnels : "
            "utilisez la GED de l'intranet.",
            "Les mots de passe sont à conserver dans le coffre-fort de mots de passe fourni par le service "
            "des systèmes d'information, jamais dans un carnet ni dans le navigateur d'un poste partagé.",
        ),
        days_ago=6, must_read_due_in=14,
    ),
    NewsSpec(
        "conges-fin-annee",
        "Congés de fin d'année : posez vos demandes avant le 1er décembre",
        "ressources-humaines",
        "Les demandes de congé pour la période des fêtes doivent être saisies dans le guide "
        "« Poser un congé » et validées par votre responsable.",
        (
            "Chaque service organise une permanence entre Noël et le jour de l'An. Votre responsable "
            "validera les congés en veillant à la continuité du service public.",
            "Les jours de RTT non pris au 31 décembre peuvent être versés sur le compte épargne-temps.",
        ),
        days_ago=9, must_read_due_in=5,
    ),
    NewsSpec(
        "hameconnage-sensibilisation", "Hameçonnage : une campagne de sensibilisation obligatoire",
        "prevention",
        "Des courriels frauduleux imitent les factures de nos fournisseurs. Une formation en ligne de "
        "vingt minutes est obligatoire pour tous les agents.",
        (
            "Ne cliquez jamais sur un lien d'un message inattendu qui vous presse d'agir. En cas de doute, "
            "transférez le message au service des systèmes d'information.",
        ),
        days_ago=4, must_read_due_in=21,
        quote=("Un clic de trop peut bloquer toute une mairie pendant des semaines.", "Le responsable SI"),
    ),
    NewsSpec(
        "conseil-communautaire-decembre",
        "Conseil communautaire du 12 décembre : l'ordre du jour",
        "vie-ccfi",
        "Budget primitif, schéma de mobilité et convention avec l'office de tourisme : les points clés "
        "du prochain conseil.",
        (
            "Le conseil se réunira à Hazebrouck, salle du conseil. Les délibérations seront publiées sur le "
            "site dans la semaine qui suit, comme le prévoit le guide « Publier une délibération ».",
        ),
        days_ago=2,
    ),
    NewsSpec(
        "bailleul-fermeture-hotel-de-ville", "Bailleul : l'hôtel de ville fermé le 2 janvier", "communes",
        "L'hôtel de ville de Bailleul sera fermé au public le vendredi 2 janvier. Une permanence d'état "
        "civil est assurée le matin pour les déclarations de décès.",
        ("Merci d'informer les habitants qui vous appellent et de mettre à jour le répondeur.",),
        days_ago=1, communes=("59043",),
    ),
    NewsSpec(
        "bailleul-passeports-rendez-vous", "Bailleul : nouveaux créneaux de rendez-vous pour les passeports",
        "communes",
        "À partir du mois prochain, les rendez-vous pour les titres d'identité se prennent aussi le samedi "
        "matin à l'hôtel de ville de Bailleul.",
        ("Les agents d'accueil trouveront le nouveau planning dans l'espace documentaire du service.",),
        days_ago=12, must_read_due_in=10, communes=("59043",),
    ),
    NewsSpec(
        "plan-grand-froid", "Plan grand froid : les consignes pour les services techniques", "prevention",
        "Viabilité hivernale, astreintes et équipements de protection : ce qui change cet hiver pour les "
        "équipes de terrain.",
        (
            "Les astreintes de salage commencent dès que la température annoncée passe sous zéro. "
            "Le planning est affiché au centre technique de Steenvoorde.",
        ),
        days_ago=3, departments=("hazebrouck-services-techniques", "direction-amenagement"),
    ),
    NewsSpec(
        "collecte-biodechets", "Collecte des biodéchets : le territoire passe au bac marron", "environnement",
        "Au printemps, la collecte séparée des biodéchets s'étend aux 50 communes. Les agents d'accueil "
        "trouveront les réponses aux questions des habitants dans la foire aux questions.",
        ("Des composteurs sont proposés à prix réduit aux habitants qui en font la demande.",),
        days_ago=15,
    ),
    NewsSpec(
        "teletravail-nouvelle-campagne",
        "Télétravail : la campagne de demandes est ouverte",
        "ressources-humaines",
        "Vous souhaitez télétravailler un ou deux jours par semaine l'an prochain ? Déposez votre demande "
        "avant la fin du mois.",
        (
            "Le guide « Se connecter à distance » explique comment installer le VPN sur votre poste "
            "portable. Votre responsable donnera son avis sur l'organisation du service.",
        ),
        days_ago=20,
    ),
    NewsSpec(
        "nouvel-intranet", "Bienvenue sur le nouvel intranet des agents", "numerique",
        "Actualités, annuaire, guides, documents partagés, réservation de salles et discussions : tout est "
        "désormais au même endroit.",
        (
            "Complétez votre fiche dans l'annuaire pour que vos collègues sachent pour quoi vous contacter. "
            "Les guides de Kotje répondent aux questions de tous les jours.",
        ),
        days_ago=30,
    ),
    NewsSpec(
        "festival-monts-de-flandre", "Les Monts de Flandre en fête : appel aux bénévoles", "vie-ccfi",
        "L'office de tourisme cherche des agents volontaires pour accueillir les visiteurs du festival, "
        "le premier week-end de juin.",
        ("Inscrivez-vous auprès du service tourisme à Cassel avant le 15 mai.",),
        days_ago=8,
    ),
    NewsSpec(
        "entretiens-professionnels",
        "Entretiens professionnels annuels : le calendrier",
        "ressources-humaines",
        "Les entretiens professionnels se tiennent en janvier et février. Les responsables recevront les "
        "formulaires début janvier.",
        ("Préparez votre entretien en relisant vos objectifs de l'an dernier et vos souhaits de formation.",),
        days_ago=5, departments=("direction-ressources",),
    ),
)  # fmt: skip


def _groups(agents) -> None:
    for name, usernames in ((EDITORS_GROUP, EDITORS), (MANAGERS_GROUP, MANAGERS)):
        group = Group.objects.get(name=name)
        members = set(group.user_set.values_list("username", flat=True))
        for username in usernames:
            if username in agents and username not in members:  # a re-seed writes nothing
                agents[username].groups.add(group)


def seed_news(*, stdout, agents) -> None:
    index = news_index_ensure()
    news_moderation_ensure(index=index)
    _groups(agents)
    categories = {}
    for slug, name in CATEGORIES:
        categories[slug], _created = NewsCategory.objects.get_or_create(slug=slug, defaults={"name": name})
    existing = set(NewsPage.objects.child_of(index).values_list("slug", flat=True))
    author = agents.get("camille.martin")
    publisher = agents.get("aurelie.lemaire") or author
    today = timezone.localdate()
    created = 0
    for spec in NEWS:
        if spec.slug in existing:
            continue
        body = [("paragraph", RichText(f"<p>{text}</p>")) for text in spec.paragraphs]
        if spec.quote:
            body.append(("quote", {"text": spec.quote[0], "author": spec.quote[1]}))
        page = NewsPage(
            title=spec.title,
            slug=spec.slug,
            intro=spec.intro,
            body=body,
            category=categories[spec.category],
            must_read=spec.must_read_due_in is not None,
            must_read_due=today + timedelta(days=spec.must_read_due_in) if spec.must_read_due_in else None,
            audience_everyone=not (spec.communes or spec.departments),
            owner=author,
        )
        page.audience_organisations = list(Organisation.objects.filter(insee_code__in=spec.communes))
        page.audience_departments = list(Department.objects.filter(slug__in=spec.departments))
        index.add_child(instance=page)
        page.save_revision(user=author).publish(user=publisher)
        published = timezone.now() - timedelta(days=spec.days_ago, hours=spec.days_ago % 5)
        NewsPage.objects.filter(pk=page.pk).update(first_published_at=published, last_published_at=published)
        created += 1
    # A few agents already read the IT charter, so that its author sees a reading rate.
    charter = NewsPage.objects.filter(slug="charte-informatique-2027").first()
    if charter is not None:
        for username in ("jerome.vandenbroucke", "francois.declercq", "helene.lefebvre", "aurelie.lemaire"):
            if username in agents:
                acknowledgement_record(page=charter, user=agents[username])
    stdout.write(f"  actualités : {created} créée(s), {len(NEWS) - created} déjà présente(s)")
