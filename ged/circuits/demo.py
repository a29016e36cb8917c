"""Demo circuits for `manage.py seed_demo`: two desks, a « Délibération » template and one circuit in progress
on a document every agent may read. Idempotent (looked up by name), works on SQLite."""

from django.db import transaction

from ..models import Document
from .actions import circuit_submit, desk_create, template_create
from .choices import StepKind, StepMode
from .models import Circuit, CircuitTemplate, Desk

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
        if submitter is None or Circuit.objects.exists():
            return
        document = (
            Document.objects.live()
            .filter(space__slug="vie-intercommunale", current_version__isnull=False)
            .order_by("pk")
            .first()
        )
        if document is None:
            return
        circuit_submit(
            document=document,
            version=document.current_version,
            template=template,
            submitter=submitter,
            message="Projet de délibération pour le prochain conseil communautaire.",
        )
    stdout.write("Parapheur : 2 bureaux, 1 modèle de circuit, 1 circuit en cours.\n")
