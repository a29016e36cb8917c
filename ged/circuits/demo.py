"""Demo circuits for `manage.py seed_demo`: the « DGS » and « Direction des finances » desks, a
« Délibération » template and one circuit in progress; then the élus (issue 18's Done-when, « a director
signs a deliberation through a circuit with a delegate »): the président and a vice-présidente as accounts,
a « Président » desk, a current delegation of that desk to the vice-présidente, the template « Délibération
du conseil » ending with the président's signature, and a second circuit waiting for it.

Both circuits run on real PDF deliberations (fpdf2) in « Vie intercommunale / Délibérations », so that the
signature step can sign in PAdES: in development (DEBUG) without a configured certificate, a self-signed
demo certificate is generated under var/demo-signature/ (ged/circuits/signing.py). Idempotent (looked up by
name), works on SQLite."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..actions import document_upload, folder_create
from ..models import Document, Folder
from . import signing
from .actions import circuit_submit, delegation_create, desk_create, step_approve, template_create
from .bordereau import SlipPdf
from .choices import StepKind, StepMode
from .models import Circuit, CircuitTemplate, Delegation, Desk

DESKS = [
    ("DGS", "Direction générale des services", ["jerome.vandenbroucke"]),
    ("Direction des finances", "Visa budgétaire et comptable", ["olivier.vanhove", "sandrine.caron"]),
]
TEMPLATE = "Délibération"


COUNCIL_SPACE = "vie-intercommunale"
COUNCIL_FOLDER = "Délibérations"
# key -> (file name, subject, decision): the first goes through « Délibération », the second through the
# council's template to the président's signature.
DELIBERATIONS = {
    "piscine": (
        "Projet de délibération — Tarifs de la piscine intercommunale.pdf",
        "Tarifs de la piscine intercommunale au 1er septembre",
        "Les tarifs d'entrée de la piscine intercommunale sont fixés selon la grille annexée, à compter du "
        "1er septembre ; la gratuité est maintenue pour les scolaires du territoire.",
    ),
    "budget": (
        "Délibération — Budget primitif.pdf",
        "Adoption du budget primitif",
        "Le budget primitif est adopté, par chapitre, en section de fonctionnement et en section "
        "d'investissement, tel qu'il figure au document budgétaire annexé.",
    ),
}


def deliberation_pdf(subject: str, decision: str) -> bytes:
    """A one-page deliberation of the community council, as the secretariat would write it."""
    year = timezone.localdate().year
    pdf = SlipPdf()
    pdf.set_title(f"Délibération — {subject}")
    pdf.set_creator("CCFI intranet (démonstration)")
    pdf.add_page()
    pdf.line_of("Communauté de communes de Flandre Intérieure", size=11, bold=True)
    pdf.line_of("Conseil communautaire — extrait du registre des délibérations", size=10, gap=4)
    pdf.line_of(f"Objet : {subject}", size=14, bold=True, gap=4)
    pdf.line_of(
        f"L'an {year}, le conseil communautaire, régulièrement convoqué, s'est réuni en séance publique à "
        "Hazebrouck, sous la présidence de M. Bernard Vercoutre, président.",
    )
    pdf.line_of("Vu le code général des collectivités territoriales ;")
    pdf.line_of("Vu l'avis favorable de la commission des finances ;", gap=3)
    pdf.line_of("Le conseil communautaire, après en avoir délibéré, DÉCIDE :", bold=True)
    pdf.line_of(decision, gap=3)
    pdf.line_of("Le président certifie le caractère exécutoire de cet acte.")
    pdf.line_of("Fait à Hazebrouck.", gap=6)
    pdf.line_of("Le président, Bernard Vercoutre", bold=True)
    pdf.line_of("Document de démonstration, sans valeur juridique.", size=8)
    return bytes(pdf.output())


class _Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def _deliberations(agents: dict) -> dict[str, Document]:
    """The demo's deliberations (real PDFs) in « Vie intercommunale / Délibérations », created once."""
    author = agents.get("jerome.vandenbroucke")
    root = Folder.objects.filter(space__slug=COUNCIL_SPACE, depth=1).first()
    if author is None or root is None:
        return {}
    folder = root.get_children().filter(name=COUNCIL_FOLDER, trashed_at__isnull=True).first()
    if folder is None:
        folder = folder_create(parent=root, name=COUNCIL_FOLDER, actor=author)
    out = {}
    for key, (file_name, subject, decision) in DELIBERATIONS.items():
        document = Document.objects.live().filter(folder=folder, title=file_name).first()
        if document is None:
            document, _version = document_upload(
                folder=folder,
                uploaded_file_or_path=_Named(deliberation_pdf(subject, decision), file_name),
                author=author,
                comment="Version initiale",
            )
        out[key] = document
    return out


def seed_circuits(*, stdout, agents: dict) -> None:
    if signing.demo_certificate_ensure() is not None:
        stdout.write(
            "Parapheur : signature PAdES de démonstration avec un certificat auto-signé "
            f"({signing.DEMO_DIR}/ sous VAR_DIR, sans valeur juridique).\n"
        )
    deliberations = _deliberations(agents)
    with transaction.atomic():
        desks = {}
        for name, description, usernames in DESKS:
            desk = Desk.objects.filter(name=name).first()
            if desk is None:
                members = [agents[u] for u in usernames if u in agents]
                desk = desk_create(name=name, description=description, members=members)
            desks[name] = desk
        template = CircuitTemplate.objects.filter(name=TEMPLATE).first()
        if template is None:
            template = template_create(
                name=TEMPLATE,
                document_type="Délibération",
                steps=[
                    {
                        "desk": desks["Direction des finances"],
                        "kind": StepKind.VISA,
                        "mode": StepMode.ONE,
                        "deadline_days": 3,
                    },
                    {
                        "desk": desks["DGS"],
                        "kind": StepKind.SIGNATURE,
                        "mode": StepMode.ONE,
                        "deadline_days": 5,
                    },
                ],
            )
        submitter = agents.get("francois.declercq")
        document = deliberations.get("piscine")
        if (
            submitter is not None
            and document is not None
            and not Circuit.objects.filter(template=template).exists()
        ):
            circuit_submit(
                document=document,
                version=document.current_version,
                template=template,
                submitter=submitter,
                message="Projet de délibération pour le prochain conseil communautaire.",
            )
            stdout.write("Parapheur : 2 bureaux, 1 modèle de circuit, 1 circuit en cours.\n")
    with transaction.atomic():
        _seed_council(stdout=stdout, agents=agents, desks=desks, document=deliberations.get("budget"))


# The élus are not agents of a service: accounts of the host organisation, without a department, with the
# demo agents' password (its hash copied from the DGS's account, since seeders are not given the password).
ELUS = [
    ("bernard.vercoutre", "Bernard", "Vercoutre", "Président de la communauté de communes"),
    ("martine.dewaele", "Martine", "Dewaele", "Vice-présidente chargée des finances"),
]
COUNCIL_TEMPLATE = "Délibération du conseil"


def _elus(agents: dict) -> dict:
    dgs = agents.get("jerome.vandenbroucke")
    if dgs is None:
        return {}
    out = {}
    for username, first, last, title in ELUS:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "job_title": title,
                "email": f"{username}@ccfi.example",
                "employer_id": dgs.employer_id,
                "password": dgs.password,
            },
        )
        out[username] = user
    return out


def _seed_council(*, stdout, agents: dict, desks: dict, document: Document | None) -> None:
    elus = _elus(agents)
    if len(elus) != len(ELUS) or "DGS" not in desks or "Direction des finances" not in desks:
        return
    president, vice = elus["bernard.vercoutre"], elus["martine.dewaele"]
    desk = Desk.objects.filter(name="Président").first()
    if desk is None:
        desk = desk_create(name="Président", description="Signature des délibérations", members=[president])
    today = timezone.localdate()
    if not Delegation.objects.current(today).filter(desk=desk, deputy=vice).exists():
        delegation_create(
            actor=president, deputy=vice, desk=desk, start=today, end=today + datetime.timedelta(days=60)
        )
    template = CircuitTemplate.objects.filter(name=COUNCIL_TEMPLATE).first()
    if template is None:
        template = template_create(
            name=COUNCIL_TEMPLATE,
            document_type="Délibération",
            steps=[
                {"desk": desks["Direction des finances"], "kind": StepKind.VISA, "deadline_days": 3},
                {"desk": desks["DGS"], "kind": StepKind.VISA, "deadline_days": 3},
                {"desk": desk, "kind": StepKind.SIGNATURE, "mode": StepMode.ONE, "deadline_days": 7},
            ],
        )
    submitter = agents.get("francois.declercq")
    if submitter is None or document is None or Circuit.objects.filter(template=template).exists():
        return
    circuit = circuit_submit(
        document=document,
        version=document.current_version,
        template=template,
        submitter=submitter,
        message="Délibération à signer par le président (ou sa vice-présidente, par délégation).",
    )
    # The finances and the DGS have given their visas: the circuit waits for the président's signature, which
    # the vice-présidente may give « pour le compte du » bureau « Président » (log in as martine.dewaele);
    # with a certificate (the demo's in development), the signed PDF becomes version 2, in PAdES.
    for username in ("olivier.vanhove", "jerome.vandenbroucke"):
        if username in agents:
            step_approve(circuit=circuit, actor=agents[username], text="Vu.")
    stdout.write(
        "Parapheur : élus (bernard.vercoutre, martine.dewaele), bureau « Président » délégué à la "
        "vice-présidente, modèle « Délibération du conseil », 1 délibération à signer.\n"
    )
