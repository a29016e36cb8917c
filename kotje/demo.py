# ruff: noqa: E501  (demo texts: long French sentences read better unbroken)
"""Kotje's demo content: themes with realistic guides of a French intercommunality, the tools catalogue with
approved and forbidden tools, and the tasks of « Quel outil pour… ? ».

Idempotent: pages are looked up by slug under their parent, tasks by slug, documents by title; whatever
exists is left as editors may have changed it. Runs on SQLite as on PostgreSQL.
"""

import json
from datetime import timedelta
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection

from intranet.news.actions import home_page_ensure
from intranet.news.models import HomePage
from intranet.people.models import Department, Organisation, User

from .choices import ToolStatus
from .models import (
    GuideAttachment,
    GuidePage,
    KotjeIndexPage,
    Task,
    ThemePage,
    ToolFinderPage,
    ToolPage,
    ToolsIndexPage,
)

EDITOR = "camille.martin"


class Step(NamedTuple):
    title: str
    text: str  # HTML paragraphs or lists


class GuideSpec(NamedTuple):
    slug: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    owner: str  # "user:<username>" or "dept:<slug>"
    organisations: tuple[str, ...] = ()  # INSEE codes ("" = the host); empty with no departments = everyone
    departments: tuple[str, ...] = ()
    overdue: bool = False
    attachment: str = ""  # title of a demo document


class ThemeSpec(NamedTuple):
    slug: str
    title: str
    icon: str
    intro: str
    department: str
    guides: tuple[GuideSpec, ...]


def _p(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _ul(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


THEMES = (
    ThemeSpec(
        "ressources-humaines",
        "Ressources humaines",
        "people",
        "Congés, absences, formation, télétravail : les démarches de votre vie d'agent.",
        "ressources-humaines",
        (
            GuideSpec(
                "poser-un-conge",
                "Poser un congé",
                "Comment demander un congé annuel, un RTT ou un jour de compte épargne-temps, et qui le valide.",
                (
                    Step(
                        "Vérifier vos droits",
                        _p(
                            "Votre solde de congés et de RTT figure sur votre bulletin de paie et dans le logiciel "
                            "de gestion des temps. Un congé annuel se pose par demi-journée au minimum."
                        ),
                    ),
                    Step(
                        "Faire la demande au moins 15 jours avant",
                        _p(
                            "Remplissez le formulaire de demande de congé (modèle ci-dessous) ou faites la demande "
                            "dans le logiciel de gestion des temps. Pour l'été, les demandes sont à déposer avant le "
                            "31 mars."
                        ),
                    ),
                    Step(
                        "Attendre la validation de votre responsable",
                        _p(
                            "Votre responsable valide ou refuse sous 8 jours, selon les nécessités du service. "
                            "Vous recevez une notification ; sans réponse, relancez-le."
                        ),
                    ),
                    Step(
                        "Prévenir vos collègues",
                        _p(
                            "Indiquez votre absence et votre suppléant dans votre profil de l'annuaire "
                            "(« absent·e jusqu'au ») et mettez un message d'absence sur votre messagerie."
                        ),
                    ),
                ),
                "user:celine.dewaele",
                attachment="Formulaire de demande de congé",
            ),
            GuideSpec(
                "declarer-un-arret-maladie",
                "Déclarer un arrêt maladie",
                "Les trois volets de l'avis d'arrêt de travail : qui reçoit quoi, et dans quel délai (48 heures).",
                (
                    Step(
                        "Prévenir votre responsable le jour même",
                        _p("Par téléphone ou par courriel, dès le premier jour d'absence."),
                    ),
                    Step(
                        "Envoyer l'arrêt sous 48 heures",
                        _p(
                            "Envoyez les volets 2 et 3 au service des ressources humaines, le volet 1 (avec le "
                            "motif médical) à la CPAM si vous êtes contractuel, jamais à votre employeur."
                        ),
                    ),
                ),
                "dept:ressources-humaines",
            ),
            GuideSpec(
                "sinscrire-a-une-formation",
                "S'inscrire à une formation",
                "Formations du CNFPT, préparations aux concours et formations en interne : comment s'inscrire.",
                (
                    Step(
                        "Choisir la formation",
                        _p("Consultez le catalogue du CNFPT et le plan de formation de la collectivité."),
                    ),
                    Step(
                        "Faire valider par votre responsable",
                        _p(
                            "Votre responsable signe la demande ; le service RH l'envoie au CNFPT et vous "
                            "confirme l'inscription."
                        ),
                    ),
                    Step(
                        "Après la formation",
                        _p("Transmettez l'attestation de présence au service RH pour votre dossier."),
                    ),
                ),
                "user:marine.petit",
            ),
            GuideSpec(
                "demander-le-teletravail",
                "Demander le télétravail",
                "Jusqu'à deux jours par semaine pour les missions qui s'y prêtent, selon la charte du télétravail.",
                (
                    Step(
                        "Lire la charte",
                        _p(
                            "La charte fixe les jours possibles, l'équipement fourni et les règles de sécurité."
                        ),
                    ),
                    Step(
                        "Remplir la demande",
                        _p(
                            "Précisez les jours souhaités et le lieu ; votre responsable donne son avis, la "
                            "direction décide sous un mois."
                        ),
                    ),
                    Step(
                        "Préparer votre poste",
                        _p(
                            "Le service SI vous remet un portable et configure l'accès à distance : voir le guide "
                            "« Se connecter à distance »."
                        ),
                    ),
                ),
                "dept:ressources-humaines",
                overdue=True,
            ),
        ),
    ),
    ThemeSpec(
        "finances",
        "Finances",
        "euro",
        "Dépenses, remboursements et budget : les bons réflexes.",
        "finances",
        (
            GuideSpec(
                "faire-une-note-de-frais",
                "Faire une note de frais",
                "Se faire rembourser un déplacement, un repas ou un hébergement lié à une mission.",
                (
                    Step(
                        "Avoir un ordre de mission",
                        _p(
                            "Tout déplacement hors de la résidence administrative doit être autorisé avant le "
                            "départ par un ordre de mission signé."
                        ),
                    ),
                    Step(
                        "Garder les justificatifs",
                        _p(
                            "Billets, tickets de parking, factures de repas et d'hôtel : les originaux ou leur "
                            "photo lisible."
                        ),
                    ),
                    Step(
                        "Remplir l'état de frais",
                        _p(
                            "Remplissez l'état de frais de déplacement, faites-le signer par votre responsable et "
                            "envoyez-le au service Finances avant la fin du mois suivant."
                        ),
                    ),
                ),
                "user:sandrine.caron",
            ),
            GuideSpec(
                "engager-une-depense",
                "Engager une dépense",
                "Du devis au bon de commande signé : aucune commande sans engagement préalable.",
                (
                    Step("Demander un devis", _p("Au-delà de 3 000 € HT, demandez au moins trois devis.")),
                    Step(
                        "Saisir l'engagement",
                        _p(
                            "Le service Finances saisit l'engagement et vous remet le bon de commande à signer par "
                            "l'élu délégué."
                        ),
                    ),
                ),
                "user:olivier.vanhove",
                organisations=("",),
            ),
        ),
    ),
    ThemeSpec(
        "vie-pratique",
        "Vie pratique",
        "car",
        "Véhicules, salles, fournitures : les moyens communs des services.",
        "",
        (
            GuideSpec(
                "reserver-un-vehicule",
                "Réserver un véhicule de service",
                "Les véhicules du parc intercommunal se réservent en ligne, comme les salles.",
                (
                    Step(
                        "Réserver dans l'intranet",
                        _p(
                            "Ouvrez « Salles et véhicules », choisissez le site et le créneau ; les véhicules "
                            "électriques sont proposés en premier."
                        ),
                    ),
                    Step("Retirer les clés", _p("Les clés sont à l'accueil du siège, contre signature.")),
                    Step(
                        "Au retour",
                        _p(
                            "Remplissez le carnet de bord (kilomètres, niveau de charge ou de carburant) et "
                            "signalez tout incident."
                        ),
                    ),
                ),
                "dept:direction-ressources",
            ),
            GuideSpec(
                "reserver-une-salle",
                "Réserver une salle de réunion",
                "Salles, équipements et salles soumises à validation : réserver en deux clics.",
                (
                    Step(
                        "Chercher une salle libre",
                        _p(
                            "Indiquez le nombre de participants et l'équipement voulu (écran, visioconférence)."
                        ),
                    ),
                    Step(
                        "Confirmer",
                        _p(
                            "Certaines salles (conseil communautaire) demandent la validation de leur gestionnaire "
                            ": vous êtes prévenu de sa décision."
                        ),
                    ),
                ),
                "dept:direction-ressources",
            ),
        ),
    ),
    ThemeSpec(
        "systemes-information",
        "Systèmes d'information",
        "laptop",
        "Accès, mots de passe, sécurité et outils numériques.",
        "systemes-information",
        (
            GuideSpec(
                "se-connecter-a-distance",
                "Se connecter à distance",
                "Travailler hors des locaux avec le VPN de la collectivité, en télétravail ou en déplacement.",
                (
                    Step(
                        "Lancer le client VPN",
                        _p(
                            "Sur votre portable professionnel, ouvrez le client VPN installé par le service SI."
                        ),
                    ),
                    Step(
                        "Valider la double authentification",
                        _p(
                            "Saisissez votre identifiant et votre mot de passe, puis le code affiché par "
                            "l'application d'authentification de votre téléphone."
                        ),
                    ),
                    Step(
                        "Ouvrir vos applications",
                        _p(
                            "Une fois connecté, l'intranet, la GED et les logiciels métiers s'ouvrent comme au "
                            "bureau. Déconnectez le VPN en fin de journée."
                        ),
                    ),
                ),
                "user:julien.desmet",
            ),
            GuideSpec(
                "utiliser-le-coffre-fort-de-mots-de-passe",
                "Utiliser le coffre-fort de mots de passe",
                "Un mot de passe différent pour chaque service, sans rien noter sur un papier ou un tableur.",
                (
                    Step(
                        "Ouvrir le coffre-fort",
                        _p(
                            "Connectez-vous au coffre-fort avec votre compte de la collectivité et choisissez un "
                            "mot de passe maître long (une phrase)."
                        ),
                    ),
                    Step(
                        "Enregistrer vos accès",
                        _p(
                            "Ajoutez chaque site ou logiciel ; laissez le coffre-fort générer les mots de passe."
                        ),
                    ),
                    Step(
                        "Partager un accès de service",
                        _p(
                            "Les accès communs d'un service se rangent dans une collection partagée, jamais par "
                            "courriel."
                        ),
                    ),
                ),
                "user:stephane.maes",
            ),
            GuideSpec(
                "signaler-un-courriel-suspect",
                "Signaler un courriel suspect",
                "Hameçonnage, fausse facture, pièce jointe inattendue : ne cliquez pas, signalez.",
                (
                    Step("Ne pas cliquer", _p("N'ouvrez ni lien ni pièce jointe, ne répondez pas.")),
                    Step(
                        "Transférer au service SI",
                        _p(
                            "Transférez le message en pièce jointe à securite@ccfi.example, puis supprimez-le."
                        ),
                    ),
                    Step(
                        "Si vous avez cliqué",
                        _p("Débranchez le câble réseau, coupez le Wi-Fi et appelez le service SI au 5140."),
                    ),
                ),
                "dept:systemes-information",
            ),
            GuideSpec(
                "partager-un-fichier-avec-un-partenaire",
                "Partager un fichier avec un partenaire extérieur",
                "Envoyer un dossier trop lourd pour la messagerie, sans passer par un service grand public.",
                (
                    Step(
                        "Dans la GED",
                        _p(
                            "Pour des collègues, déposez le fichier dans l'espace de votre service de la GED et "
                            "envoyez le lien."
                        ),
                    ),
                    Step(
                        "Vers l'extérieur",
                        _p(
                            "Pour un partenaire, utilisez FranceTransfert (service de l'État, données en France), "
                            "jamais un service de transfert grand public."
                        ),
                    ),
                ),
                "dept:systemes-information",
                overdue=True,
            ),
            GuideSpec(
                "etat-civil-en-ligne-bailleul",
                "Accéder au logiciel d'état civil (Mairie de Bailleul)",
                "Pour les agents de la mairie de Bailleul : ouvrir le logiciel d'état civil et ses registres.",
                (
                    Step(
                        "Ouvrir le logiciel",
                        _p("Depuis le poste de la mairie, ouvrez le raccourci « État civil »."),
                    ),
                    Step(
                        "En cas de blocage",
                        _p("Appelez le support de l'éditeur, puis prévenez le service SI."),
                    ),
                ),
                "dept:bailleul-etat-civil",
                organisations=("59043",),
            ),
        ),
    ),
    ThemeSpec(
        "urbanisme",
        "Urbanisme",
        "building",
        "Instruction des autorisations d'urbanisme pour le compte des communes.",
        "urbanisme-ads",
        (
            GuideSpec(
                "instruire-un-permis-de-construire",
                "Instruire un permis de construire",
                "Les étapes de l'instruction d'un permis de construire, du dépôt en mairie à la décision.",
                (
                    Step(
                        "Enregistrer le dossier",
                        _p(
                            "La mairie enregistre le dépôt, délivre le récépissé et transmet le dossier au service "
                            "ADS dans la semaine."
                        ),
                    ),
                    Step(
                        "Vérifier la complétude sous un mois",
                        _p(
                            "Demandez les pièces manquantes en une seule fois, avant la fin du premier mois : "
                            "passé ce délai, le dossier est réputé complet."
                        ),
                    ),
                    Step(
                        "Consulter les services",
                        _p(
                            "Architecte des Bâtiments de France, gestionnaires de réseaux, SDIS selon le projet."
                        ),
                    ),
                    Step(
                        "Préparer l'arrêté",
                        _p(
                            "Rédigez le projet d'arrêté et transmettez-le au maire pour signature avant la fin du "
                            "délai d'instruction (deux mois pour une maison individuelle)."
                        ),
                    ),
                ),
                "dept:urbanisme-ads",
                departments=("urbanisme-ads", "nieppe-urbanisme"),
            ),
            GuideSpec(
                "delivrer-un-certificat-durbanisme",
                "Délivrer un certificat d'urbanisme",
                "Certificat d'information (CUa) ou opérationnel (CUb) : délais et contenu.",
                (
                    Step("Identifier le type", _p("CUa : un mois ; CUb : deux mois.")),
                    Step(
                        "Rédiger le certificat",
                        _p(
                            "Indiquez les règles d'urbanisme, les taxes et les servitudes applicables au terrain."
                        ),
                    ),
                ),
                "dept:urbanisme-ads",
                departments=("urbanisme-ads", "nieppe-urbanisme"),
            ),
        ),
    ),
    ThemeSpec(
        "assemblees-et-juridique",
        "Assemblées et juridique",
        "scales",
        "Délibérations, arrêtés et commande publique.",
        "secretariat-general",
        (
            GuideSpec(
                "publier-une-deliberation",
                "Publier une délibération",
                "De la séance du conseil à la publication en ligne et à la transmission au contrôle de légalité.",
                (
                    Step(
                        "Mettre en forme",
                        _p(
                            "Complétez le modèle de délibération : visas, considérants, vote, date de séance."
                        ),
                    ),
                    Step(
                        "Faire signer",
                        _p(
                            "Le président signe dans le parapheur électronique ; la délibération reçoit son "
                            "numéro."
                        ),
                    ),
                    Step(
                        "Transmettre et publier",
                        _p(
                            "Télétransmettez-la à la préfecture, puis publiez-la sur le site internet le même "
                            "jour : elle est exécutoire une fois publiée et transmise."
                        ),
                    ),
                ),
                "user:kevin.dubois",
            ),
            GuideSpec(
                "preparer-un-marche-public",
                "Préparer un marché public simple",
                "Les seuils, les pièces et le calendrier d'une consultation en procédure adaptée.",
                (
                    Step("Définir le besoin", _p("Estimez le montant sur la durée du marché.")),
                    Step(
                        "Contacter la commande publique",
                        _p(
                            "Le service rédige la consultation avec vous et la publie sur le profil d'acheteur."
                        ),
                    ),
                ),
                "user:isabelle.delattre",
                organisations=("",),
            ),
        ),
    ),
    ThemeSpec(
        "communication",
        "Communication",
        "megaphone",
        "Intranet, site internet, charte graphique.",
        "communication",
        (
            GuideSpec(
                "publier-une-actualite",
                "Publier une actualité sur l'intranet",
                "Proposer une actualité, choisir ses destinataires et la soumettre à la communication.",
                (
                    Step(
                        "Rédiger dans l'administration",
                        _p("Ouvrez l'administration du contenu, ajoutez une actualité sous « Actualités »."),
                    ),
                    Step(
                        "Choisir les destinataires",
                        _p("Tous les agents, ou seulement certains employeurs ou services."),
                    ),
                    Step("Soumettre", _p("La communication relit et publie sous deux jours ouvrés.")),
                ),
                "user:camille.martin",
            ),
        ),
    ),
)


class ToolSpec(NamedTuple):
    slug: str
    title: str
    status: str
    purpose: str
    who: str
    access: str
    tasks: tuple[str, ...]
    data_location: str
    gdpr: str = ""
    guide: str = ""  # slug of a guide
    contact: str = "systemes-information"
    contact_details: str = "support@ccfi.example · poste 5140"
    use_instead: str = ""  # slug of a tool
    url: str = ""


TASKS = (
    ("partager-un-fichier", "Partager un fichier", "avec des collègues de la collectivité ou des communes"),
    (
        "envoyer-un-gros-fichier",
        "Envoyer un gros fichier à l'extérieur",
        "à un partenaire, un bureau d'études",
    ),
    ("co-ecrire", "Écrire un document à plusieurs", "en même temps, sans s'envoyer de versions"),
    ("discuter", "Discuter avec des collègues", "messages instantanés, salons de service ou de projet"),
    ("visioconference", "Faire une visioconférence", "avec des collègues ou des partenaires"),
    ("reserver-une-salle", "Réserver une salle ou un véhicule", ""),
    ("signer", "Signer un document", "arrêtés, délibérations, bons de commande"),
    ("stocker-des-mots-de-passe", "Stocker mes mots de passe", "et partager les accès d'un service"),
    (
        "se-former-cybersecurite",
        "Me former à la cybersécurité",
        "reconnaître l'hameçonnage, protéger ses accès",
    ),
)

CCFI_SERVERS = "Serveurs de la CCFI, salle informatique du siège à Hazebrouck (France)"

TOOLS = (
    ToolSpec(
        "ged",
        "GED intercommunale",
        ToolStatus.APPROVED,
        "Ranger, partager et retrouver les documents des services, avec leurs versions et des droits par "
        "dossier.",
        "Tous les agents de la CCFI et des communes membres.",
        "Votre compte intranet suffit ; votre responsable vous donne accès aux espaces de votre service.",
        ("partager-un-fichier", "co-ecrire"),
        CCFI_SERVERS,
        gdpr="RT-2024-012",
        guide="partager-un-fichier-avec-un-partenaire",
        url="/documents/",
    ),
    ToolSpec(
        "onlyoffice",
        "Éditeur en ligne (OnlyOffice)",
        ToolStatus.APPROVED,
        "Modifier à plusieurs, en même temps, les textes, tableurs et présentations rangés dans la GED.",
        "Tous les agents ayant le droit de modifier le document dans la GED.",
        "Aucune démarche : bouton « Modifier en ligne » sur un document de la GED.",
        ("co-ecrire",),
        CCFI_SERVERS,
        gdpr="RT-2024-012",
    ),
    ToolSpec(
        "discussions",
        "Discussions de l'intranet",
        ToolStatus.APPROVED,
        "Messagerie instantanée : salons de service, de projet et messages directs.",
        "Tous les agents.",
        "Ouvrez « Discussions » dans le menu.",
        ("discuter",),
        CCFI_SERVERS,
        gdpr="RT-2025-003",
        url="/discussions/",
    ),
    ToolSpec(
        "visio",
        "Visioconférence de la CCFI",
        ToolStatus.APPROVED,
        "Réunions à distance avec partage d'écran, jusqu'à 100 participants, y compris extérieurs.",
        "Tous les agents ; les invités extérieurs rejoignent par un lien.",
        "Créez une salle depuis votre compte intranet ; envoyez le lien aux participants.",
        ("visioconference",),
        "Hébergeur certifié SecNumCloud, en France",
        gdpr="RT-2023-021",
    ),
    ToolSpec(
        "reservations",
        "Salles et véhicules",
        ToolStatus.APPROVED,
        "Réserver les salles de réunion et les véhicules de service des sites de la CCFI.",
        "Tous les agents ; certaines salles demandent une validation.",
        "Ouvrez « Salles » dans le menu.",
        ("reserver-une-salle",),
        CCFI_SERVERS,
        guide="reserver-un-vehicule",
        url="/salles/",
        contact="direction-ressources",
        contact_details="accueil@ccfi.example",
    ),
    ToolSpec(
        "parapheur",
        "Parapheur électronique",
        ToolStatus.APPROVED,
        "Faire signer électroniquement arrêtés, délibérations et bons de commande, avec un circuit de "
        "validation.",
        "Agents habilités par leur direction ; élus et DGS pour la signature.",
        "Demande par votre responsable au service SI, qui crée votre circuit.",
        ("signer",),
        "Hébergement du syndicat mixte informatique, en France",
        gdpr="RT-2022-008",
        guide="publier-une-deliberation",
    ),
    ToolSpec(
        "coffre-fort",
        "Coffre-fort de mots de passe",
        ToolStatus.APPROVED,
        "Générer, ranger et partager en sécurité les mots de passe personnels et les accès de service.",
        "Tous les agents.",
        "Votre compte est créé à la demande : écrivez au support du service SI.",
        ("stocker-des-mots-de-passe",),
        CCFI_SERVERS + ", chiffrés de bout en bout",
        gdpr="RT-2025-001",
        guide="utiliser-le-coffre-fort-de-mots-de-passe",
    ),
    ToolSpec(
        "sensibilisation-cybersecurite",
        "Formation de sensibilisation à la cybersécurité",
        ToolStatus.APPROVED,
        "Une formation en ligne de deux heures (modules de l'ANSSI) pour reconnaître l'hameçonnage et "
        "protéger ses accès ; obligatoire pour tout nouvel agent.",
        "Tous les agents, sur le temps de travail.",
        "Inscription auprès du service RH ou du service SI ; l'attestation rejoint votre dossier.",
        ("se-former-cybersecurite",),
        "Plateforme de l'ANSSI (France)",
        guide="signaler-un-courriel-suspect",
    ),
    ToolSpec(
        "francetransfert",
        "FranceTransfert",
        ToolStatus.APPROVED,
        "Envoyer des fichiers volumineux (jusqu'à 20 Go) à des destinataires extérieurs.",
        "Tous les agents.",
        "Aucune démarche : service en ligne de l'État.",
        ("envoyer-un-gros-fichier",),
        "Serveurs de l'État, en France",
        gdpr="RT-2024-030",
        guide="partager-un-fichier-avec-un-partenaire",
    ),
    ToolSpec(
        "zoom-gratuit",
        "Zoom (compte gratuit)",
        ToolStatus.TOLERATED,
        "Rejoindre une réunion organisée par un partenaire qui l'utilise.",
        "Tous les agents, seulement comme invité et sans données personnelles.",
        "Aucun compte à créer pour rejoindre une réunion.",
        ("visioconference",),
        "États-Unis (hors Union européenne)",
        use_instead="visio",
    ),
    ToolSpec(
        "drive-personnel",
        "Drive personnel (Google Drive, Dropbox…)",
        ToolStatus.FORBIDDEN,
        "Stockage de fichiers grand public, souvent utilisé pour partager un dossier trop lourd.",
        "Personne, pour des documents de travail.",
        "Aucun accès : utilisez la GED.",
        ("partager-un-fichier",),
        "Hors de l'Union européenne, sans contrat avec la collectivité",
        use_instead="ged",
    ),
    ToolSpec(
        "wetransfer",
        "WeTransfer et services de transfert grand public",
        ToolStatus.FORBIDDEN,
        "Envoi de gros fichiers par lien.",
        "Personne, pour des documents de travail.",
        "Aucun accès : utilisez FranceTransfert.",
        ("envoyer-un-gros-fichier",),
        "Hors du contrôle de la collectivité",
        use_instead="francetransfert",
    ),
    ToolSpec(
        "whatsapp",
        "WhatsApp et messageries personnelles",
        ToolStatus.FORBIDDEN,
        "Messagerie de téléphone personnel.",
        "Personne, pour des échanges de travail.",
        "Aucun accès : utilisez les Discussions de l'intranet.",
        ("discuter",),
        "Serveurs de l'éditeur, hors de l'Union européenne",
        use_instead="discussions",
    ),
    ToolSpec(
        "tableur-mots-de-passe",
        "Mots de passe dans un tableur ou un carnet",
        ToolStatus.FORBIDDEN,
        "Noter ses mots de passe dans un fichier, un carnet ou sur un post-it.",
        "Personne.",
        "Utilisez le coffre-fort de mots de passe.",
        ("stocker-des-mots-de-passe",),
        "Sur un poste ou un papier, sans chiffrement",
        use_instead="coffre-fort",
    ),
)

# A small valid PDF (one blank page) for the demo attachment.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _child(parent, model, slug):
    return model.objects.child_of(parent).filter(slug=slug).first()


def _publish(parent, page, editor):
    """Add `page` under `parent` and publish it as the demo editor (its last editor on the page)."""
    parent.add_child(instance=page)
    revision = page.save_revision(user=editor, log_action=False)
    revision.publish(user=editor, log_action=False, skip_permission_checks=True)
    return page


def seed_kotje(*, stdout, agents) -> dict:
    """Kotje's tree under the home page; returns the number of pages created."""
    editor = User.objects.filter(username=EDITOR).first()
    # home_page_ensure() also rewrites the default Site each time: call it only when there is no home yet,
    # so that a second seed_demo writes nothing.
    home = HomePage.objects.first() or home_page_ensure()
    created = 0
    kotje = _child(home, KotjeIndexPage, "kotje")
    if kotje is None:
        kotje = _publish(
            home,
            KotjeIndexPage(
                title="Kotje",
                slug="kotje",
                intro="<p>Le savoir-faire des services : des guides pas à pas et les outils à utiliser. "
                "<b>Kotje</b> veut dire « petit coin » en flamand : le coin où l'on trouve comment faire.</p>",
            ),
            editor,
        )
        created += 1
    departments = {d.slug: d for d in Department.objects.all()}
    organisations = _organisations()
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    today = timezone.localdate()
    guides: dict[str, GuidePage] = {}
    documents = _documents()
    for spec in THEMES:
        theme = _child(kotje, ThemePage, spec.slug)
        if theme is None:
            theme = _publish(
                kotje,
                ThemePage(
                    title=spec.title,
                    slug=spec.slug,
                    icon=spec.icon,
                    intro=spec.intro,
                    department=departments.get(spec.department),
                ),
                editor,
            )
            created += 1
        for index, g in enumerate(spec.guides):
            guide = _child(theme, GuidePage, g.slug)
            if guide is None:
                guide = _guide(g, index, today, users, departments, organisations)
                _publish(theme, guide, editor)
                if g.attachment and g.attachment in documents:
                    GuideAttachment.objects.create(page=guide, document=documents[g.attachment], sort_order=0)
                created += 1
            guides[g.slug] = guide
    created += _seed_tools(kotje, guides, departments, editor)
    stdout.write(f"  Kotje : {created} page(s) créée(s).")
    return {"created": created}


def _organisations() -> dict[str, Organisation]:
    result = {}
    for org in Organisation.objects.all():
        if org.is_host:
            result[""] = org
        if org.insee_code:
            result[org.insee_code] = org
    return result


def _documents() -> dict:
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    Document = get_document_model()
    title = "Formulaire de demande de congé"
    document = Document.objects.filter(title=title).first()
    if document is None:
        document = Document(title=title)
        document.file.save("demande-de-conge.pdf", ContentFile(DEMO_PDF), save=False)
        document.save()
    return {title: document}


def _guide(g: GuideSpec, index: int, today, users, departments, organisations) -> GuidePage:
    kind, _sep, key = g.owner.partition(":")
    owner_person = users.get(key) if kind == "user" else None
    owner_department = departments.get(key) if kind == "dept" else None
    if owner_person is None and owner_department is None:
        owner_department = departments.get("communication")
    if g.overdue:
        last, upcoming = today - timedelta(days=400), today - timedelta(days=35)
    else:
        last = today - timedelta(days=30 + 17 * index)
        upcoming = last + timedelta(days=365)
    orgs = [organisations[code] for code in g.organisations if code in organisations]
    depts = [departments[slug] for slug in g.departments if slug in departments]
    steps = [
        {
            "type": "step",
            "value": {"title": s.title, "text": s.text, "image": None, "image_alt": "", "attachment": None},
        }
        for s in g.steps
    ]
    guide = GuidePage(
        title=g.title,
        slug=g.slug,
        summary=g.summary,
        steps=json.dumps(steps),
        content_owner_person=owner_person,
        content_owner_department=owner_department,
        last_reviewed_on=last,
        next_review_on=upcoming,
        audience_everyone=not (orgs or depts),
    )
    guide.audience_organisations = orgs
    guide.audience_departments = depts
    return guide


def _seed_tools(kotje, guides, departments, editor) -> int:
    created = 0
    tasks = {}
    for order, (slug, name, description) in enumerate(TASKS):
        tasks[slug], _new = Task.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": (order + 1) * 10}
        )
    tools_index = _child(kotje, ToolsIndexPage, "outils")
    if tools_index is None:
        tools_index = _publish(
            kotje,
            ToolsIndexPage(
                title="Catalogue des outils",
                slug="outils",
                intro="<p>Les outils numériques validés par le service SI et le délégué à la protection des "
                "données, ceux qui sont tolérés et ceux qu'il ne faut pas utiliser, avec ce qu'il faut "
                "utiliser à leur place.</p>",
            ),
            editor,
        )
        created += 1
    tools: dict[str, ToolPage] = {t.slug: t for t in ToolPage.objects.child_of(tools_index)}
    # Approved tools first, so that forbidden ones can point to them.
    for spec in sorted(TOOLS, key=lambda s: ToolStatus.rank(s.status)):
        if spec.slug in tools:
            continue
        tool = ToolPage(
            title=spec.title,
            slug=spec.slug,
            status=spec.status,
            purpose=spec.purpose,
            who_may_use=spec.who,
            how_to_get_access=spec.access,
            tool_url=spec.url,
            guide=guides.get(spec.guide),
            contact_department=departments.get(spec.contact),
            contact_details=spec.contact_details,
            gdpr_register_ref=spec.gdpr,
            data_location=spec.data_location,
            use_instead=tools.get(spec.use_instead),
        )
        tool.tasks = [tasks[t] for t in spec.tasks]
        tools[spec.slug] = _publish(tools_index, tool, editor)
        created += 1
    if _child(tools_index, ToolFinderPage, "quel-outil") is None:
        _publish(
            tools_index,
            ToolFinderPage(
                title="Quel outil pour… ?",
                slug="quel-outil",
                intro="<p>Choisissez ce que vous voulez faire : voici l'outil à utiliser, et ceux à éviter.</p>",
            ),
            editor,
        )
        created += 1
    return created
