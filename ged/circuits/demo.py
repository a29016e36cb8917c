"""Demo circuits for `manage.py seed_demo`: the « DGS » and « Direction des finances » desks, a
« Délibération » template and one circuit in progress on a document every agent may read; then the élus
(issue 18's Done-when, « a director signs a deliberation through a circuit with a delegate »): the président
and a vice-présidente as accounts, a « Président » desk, a current delegation of that desk to the
vice-présidente, the template « Délibération du conseil » ending with the président's signature, and a
second circuit waiting for it. Idempotent (looked up by name), works on SQLite."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..models import Document
from .actions import circuit_submit, delegation_create, desk_create, step_approve, template_create
from .choices import StepKind, StepMode
from .models import Circuit, CircuitTemplate, Delegation, Desk

DESKS = [
    ("DGS", "Direction générale des services", ["jerome.vandenbroucke"]),
    ("Direction des finances", "Visa budgétaire et comptable", ["olivier.vanhove", "sandrine.caron"]),
]
TEMPLATE = "Délibération"


def seed_circuits(*, stdout, agents: dict) -> None:
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
        document = (
            Document.objects.live()
            .filter(space__slug="vie-intercommunale", current_version__isnull=False)
            .order_by("pk")
            .first()
        )
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
        _seed_council(stdout=stdout, agents=agents, desks=desks)


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


def _seed_council(*, stdout, agents: dict, desks: dict) -> None:
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
    if submitter is None or Circuit.objects.filter(template=template).exists():
        return
    busy = Circuit.objects.in_progress().values("document")
    document = (
        Document.objects.live()
        .filter(space__slug="vie-intercommunale", current_version__isnull=False)
        .exclude(pk__in=busy)
        .order_by("pk")
        .first()
    )
    if document is None:
        return
    circuit = circuit_submit(
        document=document,
        version=document.current_version,
        template=template,
        submitter=submitter,
        message="Délibération à signer par le président (ou sa vice-présidente, par délégation).",
    )
    # The finances and the DGS have given their visas: the circuit waits for the président's signature, which
    # the vice-présidente may give « pour le compte du » bureau « Président » (log in as martine.dewaele).
    for username in ("olivier.vanhove", "jerome.vandenbroucke"):
        if username in agents:
            step_approve(circuit=circuit, actor=agents[username], text="Vu.")
    stdout.write(
        "Parapheur : élus (bernard.vercoutre, martine.dewaele), bureau « Président » délégué à la "
        "vice-présidente, modèle « Délibération du conseil », 1 délibération à signer.\n"
    )
