"""Demo territory of the CCFI: host intercommunality, its 50 communes, an organisation chart and ~40 agents.

`seed_people()` is idempotent: objects are looked up by their natural key (INSEE code, slug, username) and
only written when they are missing or differ from the data below. Passwords, absences and welcome
notifications are only set for accounts created by the current run.
"""

import csv
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.text import slugify

from intranet.notifications.actions import notify

from .actions import department_create, department_member_sync, department_update
from .choices import DepartmentKind, OrganisationKind
from .models import Department, Organisation, User

COMMUNES_CSV = Path(__file__).parent / "data" / "communes.csv"

HOST = {
    "name": "Communauté de communes de Flandre Intérieure",
    "short_name": "CCFI",
    "siren": "200040947",
    "postal_code": "59190",
}
HOST_EMAIL_DOMAIN = "ccfi.example"
EDITORS_GROUP = "Editors"  # Wagtail's default group of page editors
EDITOR_USERNAME = "camille.martin"

DIRECTION, SERVICE = DepartmentKind.DIRECTION, DepartmentKind.SERVICE

# Office sites
HQ_GROUND = "Siège – Hazebrouck, rez-de-chaussée"
HQ_1 = "Siège – Hazebrouck, 1er étage"
HQ_2 = "Siège – Hazebrouck, 2e étage"
BAILLEUL_POLE = "Pôle territorial – Bailleul"
TECH_CENTRE = "Centre technique intercommunal – Steenvoorde"
TOURISM_OFFICE = "Office de tourisme – Cassel"

FULL_WEEK = (1, 2, 3, 4, 5)


class DepartmentSpec(NamedTuple):
    slug: str
    name: str
    kind: str
    parent: str  # slug of the parent department, "" for a root
    commune: str  # INSEE code of the employing commune, "" for the host intercommunality
    description: str
    email: str = ""


class AgentSpec(NamedTuple):
    first_name: str
    last_name: str
    department: str  # slug
    job_title: str
    office: str
    phone: str
    what_i_do: str
    contact_me_for: str
    skills: tuple[str, ...]
    office_days: tuple[int, ...] = FULL_WEEK
    is_head: bool = False
    username: str = ""  # derived from the names when empty
    absent_days: int = 0  # absent until today + N days, set at creation only
    backup: str = ""  # username of the contact during an absence
    is_staff: bool = False
    is_superuser: bool = False


# Parents come before their children.
DEPARTMENTS = (
    DepartmentSpec(
        "dgs", "Direction générale des services", DIRECTION, "", "",
        "Pilote l'administration intercommunale, prépare les décisions du conseil et du bureau "
        "communautaires et coordonne l'action des directions.",
        "dgs@ccfi.example",
    ),
    DepartmentSpec(
        "secretariat-general", "Secrétariat général", SERVICE, "dgs", "",
        "Prépare et suit les assemblées (conseil, bureau, commissions), publie les actes et tient "
        "le courrier.",
        "assemblees@ccfi.example",
    ),
    DepartmentSpec(
        "communication", "Communication", SERVICE, "dgs", "",
        "Informe les habitants et les agents : magazine, site internet, réseaux sociaux, intranet, "
        "relations presse et événements.",
        "communication@ccfi.example",
    ),
    DepartmentSpec(
        "direction-ressources", "Direction des ressources", DIRECTION, "", "",
        "Met à disposition des services les moyens humains, financiers, juridiques et numériques.",
    ),
    DepartmentSpec(
        "ressources-humaines", "Ressources humaines", SERVICE, "direction-ressources", "",
        "Gère les carrières, la paie, le recrutement, la formation, la prévention et le dialogue social.",
        "rh@ccfi.example",
    ),
    DepartmentSpec(
        "finances", "Finances", SERVICE, "direction-ressources", "",
        "Prépare et exécute le budget, suit la dette, la fiscalité intercommunale et les subventions reçues.",
        "finances@ccfi.example",
    ),
    DepartmentSpec(
        "juridique-commande-publique", "Juridique et commande publique", SERVICE, "direction-ressources", "",
        "Conseille les services, sécurise les actes et conduit les marchés publics, de la définition "
        "du besoin à la notification.",
        "marches@ccfi.example",
    ),
    DepartmentSpec(
        "systemes-information", "Systèmes d'information", SERVICE, "direction-ressources", "",
        "Fournit et sécurise les postes, la téléphonie, le réseau et les logiciels métier ; "
        "assiste les agents.",
        "support.si@ccfi.example",
    ),
    DepartmentSpec(
        "direction-amenagement", "Direction de l'aménagement du territoire", DIRECTION, "", "",
        "Conduit la planification (PLUi), l'instruction du droit des sols, la mobilité et l'environnement.",
    ),
    DepartmentSpec(
        "urbanisme-ads", "Urbanisme (instruction ADS)", SERVICE, "direction-amenagement", "",
        "Instruit pour le compte des communes les permis de construire, déclarations préalables "
        "et certificats d'urbanisme.",
        "ads@ccfi.example",
    ),
    DepartmentSpec(
        "mobilite", "Mobilité", SERVICE, "direction-amenagement", "",
        "Organise les mobilités du quotidien : transport à la demande, vélo, covoiturage "
        "et plan de mobilité.",
        "mobilite@ccfi.example",
    ),
    DepartmentSpec(
        "environnement-dechets", "Environnement et déchets", SERVICE, "direction-amenagement", "",
        "Collecte et valorise les déchets ménagers, gère les déchèteries et porte la transition écologique.",
        "dechets@ccfi.example",
    ),
    DepartmentSpec(
        "direction-developpement", "Direction du développement", DIRECTION, "", "",
        "Soutient l'attractivité du territoire : accueil des entreprises, tourisme "
        "et promotion de la Flandre.",
    ),
    DepartmentSpec(
        "tourisme", "Tourisme", SERVICE, "direction-developpement", "",
        "Anime l'office de tourisme intercommunal, les itinéraires de randonnée et l'accueil des visiteurs.",
        "tourisme@ccfi.example",
    ),
    DepartmentSpec(
        "developpement-economique", "Développement économique", SERVICE, "direction-developpement", "",
        "Accompagne les créateurs et les entreprises, commercialise les parcs d'activités et soutient le "
        "commerce de proximité.",
        "eco@ccfi.example",
    ),
    DepartmentSpec(
        "hazebrouck-services-techniques", "Mairie de Hazebrouck – Services techniques", SERVICE, "", "59295",
        "Entretient les bâtiments communaux, la voirie, les espaces verts "
        "et prépare les fêtes et cérémonies.",
    ),
    DepartmentSpec(
        "bailleul-etat-civil", "Mairie de Bailleul – État civil et population", SERVICE, "", "59043",
        "Établit les actes d'état civil, les titres d'identité, le recensement citoyen "
        "et les listes électorales.",
    ),
    DepartmentSpec(
        "cassel-secretariat", "Mairie de Cassel – Secrétariat de mairie", SERVICE, "", "59135",
        "Accueille les habitants, prépare le conseil municipal et suit le budget et le personnel communal.",
    ),
    DepartmentSpec(
        "steenvoorde-enfance-jeunesse", "Mairie de Steenvoorde – Enfance et jeunesse", SERVICE, "", "59580",
        "Organise la restauration scolaire, l'accueil périscolaire et les accueils de loisirs.",
    ),
    DepartmentSpec(
        "nieppe-urbanisme", "Mairie de Nieppe – Urbanisme", SERVICE, "", "59431",
        "Reçoit les demandes d'autorisation d'urbanisme, renseigne les habitants et suit les chantiers.",
    ),
)  # fmt: skip

# Heads come before the agents reporting to them; a backup contact comes before the agent it stands in for.
AGENTS = (
    # --- Direction générale des services ---
    AgentSpec(
        "Jérôme", "Vandenbroucke", "dgs", "Directeur général des services", HQ_2, "03 28 42 50 01",
        "Je dirige les services de la communauté de communes et prépare les décisions des élus.",
        "Les arbitrages entre directions, les dossiers à présenter au bureau communautaire.",
        ("management", "finances publiques", "intercommunalité"), is_head=True,
    ),
    AgentSpec(
        "Nathalie", "Deconinck", "dgs", "Assistante de direction", HQ_2, "03 28 42 50 02",
        "J'organise l'agenda du DGS et du président et assure le suivi des courriers signés.",
        "Un rendez-vous avec le DGS ou le président, un parapheur à faire signer.",
        ("agenda", "courrier", "protocole"), office_days=(1, 2, 4, 5),
    ),
    AgentSpec(
        "Sophie", "Verhaeghe", "secretariat-general", "Responsable du secrétariat général", HQ_2,
        "03 28 42 50 10",
        "Je prépare les conseils et bureaux communautaires et veille à la légalité des délibérations.",
        "L'inscription d'un point à l'ordre du jour, la publication d'un acte.",
        ("assemblées", "délibérations", "contrôle de légalité"), is_head=True,
    ),
    AgentSpec(
        "Kévin", "Dubois", "secretariat-general", "Gestionnaire des assemblées", HQ_2, "03 28 42 50 11",
        "Je mets en forme les délibérations, envoie les convocations et tiens le registre des actes.",
        "Retrouver une délibération, un arrêté ou un procès-verbal de séance.",
        ("délibérations", "archives", "courrier"),
    ),
    AgentSpec(
        "Aurélie", "Lemaire", "communication", "Responsable de la communication", HQ_1, "03 28 42 50 20",
        "Je définis la stratégie de communication et coordonne le magazine intercommunal.",
        "Un projet de campagne, une demande de la presse, un événement à annoncer.",
        ("relations presse", "stratégie éditoriale", "événementiel"), is_head=True,
    ),
    AgentSpec(
        "Camille", "Martin", "communication", "Chargée de communication numérique", HQ_1, "03 28 42 50 21",
        "J'anime le site internet, les réseaux sociaux et l'intranet ; "
        "je publie les actualités des services.",
        "Publier une actualité sur l'intranet, mettre à jour une page du site, un visuel pour les réseaux.",
        ("Wagtail", "réseaux sociaux", "rédaction web"), office_days=(1, 2, 3, 4), is_staff=True,
    ),
    AgentSpec(
        "Thomas", "Bernard", "communication", "Graphiste", HQ_1, "03 28 42 50 22",
        "Je conçois les affiches, dépliants et la mise en page du magazine.",
        "Une affiche, un flyer, un logo ou une charte graphique à respecter.",
        ("PAO", "illustration", "charte graphique"), office_days=(2, 3, 4, 5),
    ),
    # --- Direction des ressources ---
    AgentSpec(
        "François", "Declercq", "direction-ressources", "Directeur des ressources", HQ_1, "03 28 42 51 00",
        "Je coordonne les services ressources humaines, finances, juridique et systèmes d'information.",
        "Les questions budgétaires ou RH transversales, la préparation du budget primitif.",
        ("pilotage", "budget", "ressources humaines"), is_head=True,
    ),
    AgentSpec(
        "Hélène", "Lefebvre", "ressources-humaines", "Responsable des ressources humaines", HQ_1,
        "03 28 42 51 10",
        "J'encadre l'équipe RH et accompagne les services dans leurs recrutements et leur organisation.",
        "Un recrutement, une situation individuelle délicate, l'organisation d'un service.",
        ("statut de la fonction publique", "recrutement", "dialogue social"), is_head=True,
    ),
    AgentSpec(
        "Marine", "Petit", "ressources-humaines", "Chargée de formation et de recrutement", HQ_1,
        "03 28 42 51 12",
        "Je construis le plan de formation et organise les jurys de recrutement.",
        "Une inscription à une formation CNFPT, une offre d'emploi à publier.",
        ("formation", "CNFPT", "recrutement"),
    ),
    AgentSpec(
        "Céline", "Dewaele", "ressources-humaines", "Gestionnaire carrière et paie", HQ_1, "03 28 42 51 11",
        "Je prépare la paie et suis les carrières : avancements, arrêtés, congés et temps partiels.",
        "Une question sur votre bulletin de paie, vos congés, un arrêt maladie ou un temps partiel.",
        ("paie", "carrières", "congés"), absent_days=10, backup="marine.petit",
    ),
    AgentSpec(
        "Olivier", "Vanhove", "finances", "Responsable des finances", HQ_1, "03 28 42 51 20",
        "Je prépare le budget, suis son exécution et les relations avec la trésorerie.",
        "Une inscription budgétaire, une subvention à demander, une analyse financière.",
        ("M57", "prospective financière", "fiscalité"), is_head=True,
    ),
    AgentSpec(
        "Sandrine", "Caron", "finances", "Gestionnaire comptable", HQ_1, "03 28 42 51 21",
        "Je saisis les engagements, les mandats et les titres et suis le paiement des fournisseurs.",
        "Un bon de commande, une facture en attente sur Chorus Pro, un tiers à créer.",
        ("comptabilité", "Chorus Pro", "mandatement"),
    ),
    AgentSpec(
        "Isabelle", "Delattre", "juridique-commande-publique", "Responsable juridique et commande publique",
        HQ_2, "03 28 42 51 30",
        "Je conseille les services et les élus et sécurise les contrats et les marchés publics.",
        "Une question juridique, un contrat à relire, un contentieux.",
        ("droit public", "marchés publics", "contentieux"), is_head=True,
    ),
    AgentSpec(
        "Mathieu", "Roussel", "juridique-commande-publique", "Acheteur public", HQ_2, "03 28 42 51 31",
        "Je rédige les consultations, analyse les offres et suis l'exécution des marchés.",
        "Lancer un achat, choisir la bonne procédure, retrouver un marché en cours.",
        ("commande publique", "profil acheteur", "analyse des offres"),
    ),
    AgentSpec(
        "Stéphane", "Maes", "systemes-information", "Responsable des systèmes d'information", HQ_GROUND,
        "03 28 42 51 40",
        "Je pilote les projets numériques, la sécurité informatique et le parc logiciel.",
        "Un nouveau logiciel métier, un projet de dématérialisation, la sécurité de vos données.",
        ("cybersécurité", "RGPD", "conduite de projet"), is_head=True,
    ),
    AgentSpec(
        "Julien", "Desmet", "systemes-information", "Technicien systèmes et réseaux", HQ_GROUND,
        "03 28 42 51 41",
        "J'installe les postes et les téléphones, administre les serveurs et réponds au support.",
        "Un poste en panne, un accès à ouvrir, un mot de passe oublié, une imprimante récalcitrante.",
        ("support", "réseau", "Linux"),
    ),
    AgentSpec(
        "Administrateur", "SI", "systemes-information", "Compte d'administration de l'intranet", HQ_GROUND,
        "03 28 42 51 40",
        "Compte technique du service des systèmes d'information pour administrer l'intranet.",
        "Les droits d'accès, les comptes des agents et le paramétrage de l'intranet.",
        ("administration",), username="admin.si", is_staff=True, is_superuser=True,
    ),
    # --- Direction de l'aménagement du territoire ---
    AgentSpec(
        "Bénédicte", "Vandaele", "direction-amenagement", "Directrice de l'aménagement du territoire", HQ_2,
        "03 28 42 52 00",
        "Je pilote le PLUi, l'instruction du droit des sols, la mobilité et la politique déchets.",
        "Un projet d'aménagement communal, l'avancement du PLUi.",
        ("PLUi", "aménagement", "management"), is_head=True,
    ),
    AgentSpec(
        "Grégory", "Lecointe", "urbanisme-ads", "Responsable du service instruction ADS", HQ_GROUND,
        "03 28 42 52 10",
        "J'encadre les instructeurs et assure le lien avec les mairies pour les dossiers sensibles.",
        "Un dossier de permis complexe, une question de règlement du PLUi.",
        ("droit de l'urbanisme", "PLUi", "ADS"), is_head=True,
    ),
    AgentSpec(
        "Maxime", "Fournier", "urbanisme-ads", "Instructeur des autorisations d'urbanisme", HQ_GROUND,
        "03 28 42 52 12",
        "J'instruis les permis de construire et déclarations préalables des communes du secteur nord.",
        "L'avancement d'un dossier, une pièce manquante, une consultation de service.",
        ("instruction ADS", "cadastre", "SIG"),
    ),
    AgentSpec(
        "Émilie", "Degrave", "urbanisme-ads", "Instructrice des autorisations d'urbanisme", HQ_GROUND,
        "03 28 42 52 11",
        "J'instruis les permis de construire et déclarations préalables des communes du secteur sud.",
        "L'avancement d'un dossier, un rendez-vous avec un pétitionnaire.",
        ("instruction ADS", "accessibilité", "ERP"), office_days=(1, 2, 4, 5), absent_days=21,
        backup="maxime.fournier",
    ),
    AgentSpec(
        "Lucie", "Boulanger", "mobilite", "Responsable mobilité", BAILLEUL_POLE, "03 28 42 52 20",
        "Je développe le transport à la demande, les pistes cyclables et le covoiturage.",
        "Le transport à la demande, le plan vélo, vos déplacements domicile-travail.",
        ("mobilité", "vélo", "transport à la demande"), is_head=True,
    ),
    AgentSpec(
        "Pierre", "Vermersch", "environnement-dechets", "Responsable environnement et déchets", TECH_CENTRE,
        "03 28 42 52 30",
        "J'organise la collecte des déchets, les déchèteries et le plan climat.",
        "Un problème de collecte, un bac à livrer, les horaires des déchèteries.",
        ("déchets", "plan climat", "marchés de collecte"), is_head=True,
    ),
    AgentSpec(
        "Ludovic", "Hennion", "environnement-dechets", "Ambassadeur du tri", TECH_CENTRE, "03 28 42 52 31",
        "Je sensibilise les habitants et les écoles au tri et au compostage.",
        "Une animation dans une école, un composteur, une erreur de tri récurrente.",
        ("tri sélectif", "compostage", "animation"), office_days=(1, 3, 5),
    ),
    AgentSpec(
        "Élodie", "Bailly", "environnement-dechets", "Chargée de mission transition écologique", TECH_CENTRE,
        "03 28 42 52 32",
        "Je suis le plan climat-air-énergie territorial et la gestion des milieux aquatiques.",
        "Un projet d'économie d'énergie, la GEMAPI, un appel à projets environnemental.",
        ("PCAET", "GEMAPI", "énergie"),
    ),
    # --- Direction du développement ---
    AgentSpec(
        "Christophe", "Morel", "direction-developpement", "Directeur du développement", HQ_2,
        "03 28 42 53 00",
        "Je conduis la stratégie d'attractivité économique et touristique de la Flandre intérieure.",
        "Un projet d'implantation d'entreprise, un partenariat touristique.",
        ("développement économique", "tourisme", "partenariats"), is_head=True,
    ),
    AgentSpec(
        "Manon", "Delannoy", "tourisme", "Responsable de l'office de tourisme", TOURISM_OFFICE,
        "03 28 42 53 10",
        "J'anime l'office de tourisme et les partenariats avec les hébergeurs et les sites de visite.",
        "Accueillir un groupe, promouvoir un événement, la taxe de séjour.",
        ("accueil touristique", "taxe de séjour", "randonnée"), is_head=True,
    ),
    AgentSpec(
        "Chloé", "Dumont", "tourisme", "Conseillère en séjour", TOURISM_OFFICE, "03 28 42 53 11",
        "J'accueille les visiteurs, vends les visites guidées et mets à jour l'agenda des sorties.",
        "Un événement à inscrire à l'agenda touristique, de la documentation pour un accueil.",
        ("accueil", "anglais", "néerlandais"), office_days=(2, 3, 4, 5),
    ),
    AgentSpec(
        "Antoine", "Leroy", "developpement-economique", "Responsable du développement économique", HQ_1,
        "03 28 42 53 20",
        "Je commercialise les parcs d'activités et accompagne les entreprises qui s'installent.",
        "Une entreprise qui cherche un terrain ou un local, une aide économique.",
        ("immobilier d'entreprise", "aides aux entreprises", "foncier"), is_head=True,
    ),
    AgentSpec(
        "Gaëlle", "Noël", "developpement-economique", "Chargée d'accompagnement des entreprises", HQ_1,
        "03 28 42 53 21",
        "J'accompagne les créateurs d'entreprise et les commerçants de centre-bourg.",
        "Un porteur de projet à orienter, le soutien au commerce de proximité.",
        ("création d'entreprise", "commerce", "emploi"),
    ),
    # --- Communes ---
    AgentSpec(
        "Benoît", "Vanpeene", "hazebrouck-services-techniques", "Directeur des services techniques",
        "Centre technique municipal – Hazebrouck", "03 28 43 44 10",
        "Je dirige les équipes bâtiments, voirie et espaces verts de la ville.",
        "Une intervention technique, le prêt de matériel pour une manifestation.",
        ("voirie", "bâtiments", "marchés de travaux"), is_head=True,
    ),
    AgentSpec(
        "Sébastien", "Lamote", "hazebrouck-services-techniques", "Agent de maintenance des bâtiments",
        "Centre technique municipal – Hazebrouck", "03 28 43 44 12",
        "J'entretiens les écoles et les salles municipales : électricité, plomberie, serrurerie.",
        "Une panne dans un bâtiment communal, un dépannage urgent.",
        ("électricité", "plomberie", "habilitations"),
    ),
    AgentSpec(
        "Véronique", "Bultel", "bailleul-etat-civil", "Responsable état civil et population",
        "Hôtel de ville – Bailleul", "03 28 43 81 00",
        "J'encadre le service état civil et prépare les élections.",
        "Un acte d'état civil, l'organisation d'un bureau de vote.",
        ("état civil", "élections", "funéraire"), is_head=True,
    ),
    AgentSpec(
        "Amandine", "Cordier", "bailleul-etat-civil", "Agente d'accueil état civil",
        "Hôtel de ville – Bailleul", "03 28 43 81 02",
        "J'accueille les habitants pour les cartes d'identité, passeports et actes d'état civil.",
        "Un rendez-vous pour un titre d'identité, une copie d'acte.",
        ("accueil", "titres d'identité", "état civil"), office_days=(1, 2, 3, 5),
    ),
    AgentSpec(
        "Martine", "Deschodt", "cassel-secretariat", "Secrétaire de mairie", "Mairie – Cassel",
        "03 28 42 40 13",
        "Je gère l'administration de la commune : conseil municipal, budget, personnel et urbanisme.",
        "Les délibérations de Cassel, le budget communal, une salle à réserver.",
        ("secrétariat de mairie", "budget communal", "polyvalence"), is_head=True,
    ),
    AgentSpec(
        "Inès", "Benali", "cassel-secretariat", "Agente d'accueil", "Mairie – Cassel", "03 28 42 40 14",
        "J'accueille le public, tiens le standard et gère les réservations de salles.",
        "Réserver une salle communale, une information aux habitants.",
        ("accueil", "standard", "réservations"), office_days=(1, 2, 3, 4),
    ),
    AgentSpec(
        "Laëtitia", "Gheerbrant", "steenvoorde-enfance-jeunesse", "Coordinatrice enfance jeunesse",
        "Mairie – Steenvoorde", "03 28 43 31 20",
        "Je coordonne la cantine, la garderie et les accueils de loisirs de la commune.",
        "Les inscriptions périscolaires, le projet éducatif, les accueils de loisirs.",
        ("petite enfance", "BAFD", "projet éducatif"), is_head=True,
    ),
    AgentSpec(
        "Yann", "Lebrun", "steenvoorde-enfance-jeunesse", "Animateur périscolaire",
        "École Saint-Exupéry – Steenvoorde", "03 28 43 31 22",
        "J'anime la garderie et les mercredis récréatifs.",
        "Les activités des mercredis, le planning des animateurs.",
        ("animation", "BAFA", "sport"), office_days=(1, 2, 3, 4, 5),
    ),
    AgentSpec(
        "Anne-Sophie", "Dequidt", "nieppe-urbanisme", "Responsable urbanisme", "Mairie – Nieppe",
        "03 28 43 25 30",
        "Je reçois les dossiers d'urbanisme et fais le lien avec le service instructeur de la CCFI.",
        "Un dossier déposé en mairie, une question sur le PLUi à Nieppe.",
        ("urbanisme", "PLUi", "accueil du public"), is_head=True,
    ),
    AgentSpec(
        "Karim", "Haddad", "nieppe-urbanisme", "Agent d'accueil urbanisme", "Mairie – Nieppe",
        "03 28 43 25 31",
        "J'enregistre les dossiers d'urbanisme et renseigne les habitants.",
        "Déposer un dossier, connaître les pièces à fournir.",
        ("accueil", "urbanisme", "cadastre"), office_days=(1, 2, 4, 5),
    ),
)  # fmt: skip

# Accounts to try the demo with, shown by `seed_demo` and welcomed by a notification.
DEMO_LOGINS = (
    ("jerome.vandenbroucke", "Directeur général des services"),
    ("francois.declercq", "Directeur (Direction des ressources)"),
    ("helene.lefebvre", "Responsable de service (Ressources humaines)"),
    ("marine.petit", "Agente (Ressources humaines)"),
    ("amandine.cordier", "Agente communale (Mairie de Bailleul)"),
    ("camille.martin", "Éditrice de l'intranet (Communication, accès à l'administration Wagtail)"),
    ("aurelie.lemaire", "Responsable de la communication : valide les actualités soumises (Wagtail)"),
    ("admin.si", "Superutilisateur (Systèmes d'information)"),
)
WELCOME_TEXT = (
    "Bienvenue sur l'intranet ! Complétez votre profil (ce que vous faites, pour quoi vous contacter) "
    "pour que vos collègues vous trouvent facilement."
)


ORGANISATIONS, DEPARTMENTS_LABEL, AGENTS_LABEL = "Organismes", "Services", "Agents"

_PARENTS = {d.slug: d.parent for d in DEPARTMENTS}
_KINDS = {d.slug: d.kind for d in DEPARTMENTS}


class _Tally:
    """Objects created and updated by this run, as (label, natural key); an object counts once."""

    def __init__(self):
        self.created: set[tuple[str, str]] = set()
        self.updated: set[tuple[str, str]] = set()

    def add(self, label: str, key: str, *, created: bool = False, updated: bool = False) -> None:
        if created:
            self.created.add((label, key))
        elif updated and (label, key) not in self.created:
            self.updated.add((label, key))

    def count(self, label: str) -> tuple[int, int]:
        return (
            sum(1 for lab, _ in self.created if lab == label),
            sum(1 for lab, _ in self.updated if lab == label),
        )

    def created_keys(self, label: str) -> set[str]:
        return {key for lab, key in self.created if lab == label}


def ascii_slug(text: str) -> str:
    """Lowercase ASCII: "Hélène" → "helene", "Anne-Sophie" → "anne-sophie"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(plain.lower().split())


def agent_username(spec: AgentSpec) -> str:
    return spec.username or f"{ascii_slug(spec.first_name)}.{ascii_slug(spec.last_name)}"


def _assign(obj, values: dict) -> list[str]:
    """Set the attributes that differ; return their names."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


# --- Organisations --------------------------------------------------------------------------------------


def _read_communes() -> list[dict]:
    with COMMUNES_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def seed_host(tally: _Tally) -> Organisation:
    # The host's name is editable in the admin: it is only set when the organisation is created.
    host, created = Organisation.objects.get_or_create(
        kind=OrganisationKind.INTERCOMMUNALITY, is_host=True, defaults=HOST
    )
    tally.add(ORGANISATIONS, "host", created=created)
    return host


def seed_communes(tally: _Tally) -> dict[str, Organisation]:
    rows = _read_communes()
    communes = Organisation.objects.in_bulk([r["insee"] for r in rows], field_name="insee_code")
    for row in rows:
        insee = row["insee"]
        values = {
            "name": row["name"],
            "kind": OrganisationKind.COMMUNE,
            "postal_code": row["postal_code"],
            "population": int(row["population_2021"]),
        }
        commune = communes.get(insee)
        if commune is None:
            communes[insee] = Organisation.objects.create(insee_code=insee, **values)
            tally.add(ORGANISATIONS, insee, created=True)
        elif changed := _assign(commune, values):
            commune.save(update_fields=changed)
            tally.add(ORGANISATIONS, insee, updated=True)
    return communes


# --- Departments ----------------------------------------------------------------------------------------


def _differs(obj, values: dict) -> bool:
    """Compare foreign keys by id, so that no related object is fetched."""
    for name, value in values.items():
        field = obj._meta.get_field(name)
        current = getattr(obj, field.attname)
        wanted = (value.pk if value is not None else None) if field.is_relation else value
        if current != wanted:
            return True
    return False


def seed_departments(tally: _Tally, host: Organisation, communes: dict[str, Organisation]) -> dict:
    slugs = [d.slug for d in DEPARTMENTS]
    departments = Department.objects.select_related("organisation").in_bulk(slugs, field_name="slug")
    for spec in DEPARTMENTS:
        values = {
            "name": spec.name,
            "kind": spec.kind,
            "parent": departments[spec.parent] if spec.parent else None,
            "organisation": communes[spec.commune] if spec.commune else host,
            "description": spec.description,
            "email": spec.email,
        }
        department = departments.get(spec.slug)
        if department is None:
            departments[spec.slug] = department_create(slug=spec.slug, **values)
            tally.add(DEPARTMENTS_LABEL, spec.slug, created=True)
        elif _differs(department, values):
            department_update(department=department, **values)
            tally.add(DEPARTMENTS_LABEL, spec.slug, updated=True)
    return departments


def seed_heads(tally: _Tally, departments: dict[str, Department], agents: dict[str, User]) -> None:
    for slug, username in _head_usernames().items():
        department, head = departments[slug], agents[username]
        if department.head_id != head.pk:
            department.head = head
            department.save(update_fields=["head"])
            tally.add(DEPARTMENTS_LABEL, slug, updated=True)


# --- Agents ---------------------------------------------------------------------------------------------


def _head_usernames() -> dict[str, str]:
    return {spec.department: agent_username(spec) for spec in AGENTS if spec.is_head}


def _manager_username(spec: AgentSpec, heads: dict[str, str]) -> str:
    """Agents report to their department's head, heads to the head of the parent department, the host's
    directors to the DGS; the DGS and the heads of commune departments to nobody here."""
    if not spec.is_head:
        return heads[spec.department]
    if parent := _PARENTS[spec.department]:
        return heads[parent]
    if _KINDS[spec.department] == DIRECTION and spec.department != "dgs":
        return heads["dgs"]
    return ""


def _email_domain(organisation: Organisation) -> str:
    return HOST_EMAIL_DOMAIN if organisation.is_host else f"{slugify(organisation.name)}.example"


def _agent_values(spec: AgentSpec, department: Department, agents: dict[str, User], manager: str) -> dict:
    values = {
        "first_name": spec.first_name,
        "last_name": spec.last_name,
        "email": f"{agent_username(spec)}@{_email_domain(department.organisation)}",
        "job_title": spec.job_title,
        "phone": spec.phone,
        "office": spec.office,
        "employer_id": department.organisation_id,
        "department_id": department.pk,
        "manager_id": agents[manager].pk if manager else None,
        "backup_contact_id": agents[spec.backup].pk if spec.backup else None,
        "what_i_do": spec.what_i_do,
        "contact_me_for": spec.contact_me_for,
        "office_days": list(spec.office_days),
    }
    # Flags are only ever granted, never withdrawn: an administrator may have changed them in the admin.
    if spec.is_staff:
        values["is_staff"] = True
    if spec.is_superuser:
        values["is_superuser"] = True
    return values


def _create_agent(spec: AgentSpec, values: dict, password: str) -> User:
    user = User(username=agent_username(spec), **values)
    if spec.absent_days:
        user.absent_until = date.today() + timedelta(days=spec.absent_days)
    user.set_password(password)
    user.save()
    user.skills.set(list(spec.skills))
    return user


def _update_agent(user: User, spec: AgentSpec, values: dict) -> bool:
    updated = False
    if changed := _assign(user, values):
        user.save(update_fields=changed)
        updated = True
    if set(user.skills.names()) != set(spec.skills):
        user.skills.set(list(spec.skills))
        updated = True
    return updated


def seed_agents(tally: _Tally, departments: dict[str, Department], *, password: str) -> dict[str, User]:
    existing = User.objects.in_bulk([agent_username(s) for s in AGENTS], field_name="username")
    heads, agents = _head_usernames(), {}
    for spec in AGENTS:
        username = agent_username(spec)
        values = _agent_values(spec, departments[spec.department], agents, _manager_username(spec, heads))
        user = existing.get(username)
        if user is None:
            user = _create_agent(spec, values, password)
            tally.add(AGENTS_LABEL, username, created=True)
        else:
            tally.add(AGENTS_LABEL, username, updated=_update_agent(user, spec, values))
        department_member_sync(user=user)
        agents[username] = user
    return agents


def seed_editor_access(tally: _Tally, agents: dict[str, User]) -> None:
    """Give the communication editor the Wagtail admin through Wagtail's default "Editors" group."""
    editors = Group.objects.filter(name=EDITORS_GROUP).first()
    user = agents[EDITOR_USERNAME]
    if editors is not None and not user.groups.filter(pk=editors.pk).exists():
        user.groups.add(editors)
        tally.add(AGENTS_LABEL, EDITOR_USERNAME, updated=True)


def welcome(tally: _Tally, agents: dict[str, User]) -> int:
    created = tally.created_keys(AGENTS_LABEL)
    recipients = [agents[username] for username, _ in DEMO_LOGINS if username in created]
    # The notification asks to complete the profile: it opens the profile's edit page.
    url = reverse("directory:profile_edit")
    return len(notify(recipients=recipients, verb="welcome", text=WELCOME_TEXT, url=url))


# --- Entry point ----------------------------------------------------------------------------------------


def seed_people(*, stdout, password: str) -> dict:
    """Build the demo territory; returns {"agents": {username: User}, "created": int, "updated": int}."""
    tally = _Tally()
    host = seed_host(tally)
    communes = seed_communes(tally)
    departments = seed_departments(tally, host, communes)
    agents = seed_agents(tally, departments, password=password)
    seed_heads(tally, departments, agents)
    seed_editor_access(tally, agents)
    welcomed = welcome(tally, agents)
    for label in (ORGANISATIONS, DEPARTMENTS_LABEL, AGENTS_LABEL):
        created, updated = tally.count(label)
        stdout.write(f"  {label} : {created} créé(s), {updated} mis à jour\n")
    if welcomed:
        stdout.write(f"  Notifications de bienvenue : {welcomed} envoyée(s)\n")
    return {"agents": agents, "created": len(tally.created), "updated": len(tally.updated)}
