"""Reads of the circuits: the agent's steps to act on, their own circuits, late circuits, a circuit's log,
the templates offered for a document."""

import re
import unicodedata

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from ..permissions import readable_documents_parts, readable_documents_q
from .choices import Decision
from .models import Circuit, CircuitStep, CircuitTemplate, StepAction
from .permissions import Roster, desk_ids_for, desk_roster, visible_actions_q


def steps_to_act(user, roster: Roster | None = None) -> list[CircuitStep]:
    """Active steps of the desks the agent acts for (delegations included) on documents they may read, where
    they still hold an undecided seat; oldest due first. One query, plus the roster's two when it is not
    given (the home page's panel passes the cached one) and the viewer's grants (cached per request)."""
    if not (user.is_authenticated and user.is_active):
        return []
    held = (roster or desk_roster()).held(user.pk)
    if not held:
        return []

    def decided(seat_id: int) -> Exists:
        return Exists(
            StepAction.objects.filter(
                step=OuterRef("pk"), seat_id=seat_id, decision__in=[Decision.APPROVE, Decision.REJECT]
            )
        )

    # A step waits for the agent while one of the seats they hold on its desk has not decided.
    waiting = Q(pk__in=[])
    for desk_id, seat_ids in sorted(held.items()):
        free = ~decided(seat_ids[0])
        for seat_id in seat_ids[1:]:
            free |= ~decided(seat_id)
        waiting |= Q(desk_id=desk_id) & free
    readable = readable_documents_parts(user, prefix="circuit__document__", restricted_in_query=True)[0]
    steps = list(
        CircuitStep.objects.active()
        .filter(waiting)
        .filter(readable)
        .annotate(own_decided=decided(user.pk))
        .select_related("desk", "circuit", "circuit__document", "circuit__submitter", "circuit__version")
        .order_by("due_at", "started_at", "pk")
    )
    for step in steps:
        # The first free seat is the agent's own unless they hold none here or have decided already.
        step.for_someone_else = held[step.desk_id][0] != user.pk or step.own_decided
    return steps


def my_circuits(user, limit: int = 200) -> list[Circuit]:
    return list(
        Circuit.objects.filter(submitter=user)
        .filter(readable_documents_q(user, prefix="document__"))
        .select_related("document", "version", "submitted_version")
        .prefetch_related(Prefetch("steps", queryset=CircuitStep.objects.select_related("desk")))
        .order_by("-submitted_at", "-pk")[:limit]
    )


def late_steps(user, now=None) -> list[CircuitStep]:
    """Late active steps of the circuits the agent submitted or acts for, on documents they may read."""
    desk_ids = desk_ids_for(user)
    return list(
        CircuitStep.objects.late(now or timezone.now())
        .filter(Q(desk_id__in=desk_ids) | Q(circuit__submitter=user))
        .filter(readable_documents_q(user, prefix="circuit__document__"))
        .select_related("desk", "circuit", "circuit__document", "circuit__submitter")
        .order_by("due_at", "pk")
    )


def circuit_log(circuit: Circuit, user, desk_ids: set[int]) -> tuple[list[CircuitStep], list[StepAction]]:
    steps = list(circuit.steps.select_related("desk").order_by("position"))
    actions = list(
        circuit.actions.filter(visible_actions_q(user, desk_ids))
        .select_related("desk", "version")
        .order_by("at", "pk")
    )
    by_step: dict[int, list[StepAction]] = {}
    for action in actions:
        by_step.setdefault(action.step_id, []).append(action)
    for step in steps:
        step.log = by_step.get(step.pk, [])
    return steps, actions


def all_actions(circuit: Circuit) -> list[StepAction]:
    """Every decision and public annotation, for the bordereau (private annotations stay private)."""
    return list(
        circuit.actions.filter(Q(visibility="public") | ~Q(decision=Decision.ANNOTATE))
        .select_related("step", "desk", "version")
        .order_by("at", "pk")
    )


def document_circuit(document_id: int) -> Circuit | None:
    """The document's newest circuit (one query): at most one is in progress, and it is then the newest."""
    return (
        Circuit.objects.filter(document_id=document_id)
        .select_related("version", "submitted_version")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def _words(value: str) -> list[str]:
    """Lower-case words without accents nor a plural « s »: « Délibérations du conseil » → deliberation,
    du, conseil."""
    plain = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().casefold()
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9]+", plain)]


def template_fits(document_type: str, rule_code: str, rule_label: str) -> bool:
    """Whether a template's free-text document type names a retention rule: its code, or the first words of
    its label (« Délibération » fits « Délibérations du conseil », « Marché public » fits « Marchés publics
    (pièces non retenues) »)."""
    wanted = _words(document_type)
    if not wanted:
        return False
    return wanted == _words(rule_code) or wanted == _words(rule_label)[: len(wanted)]


def templates_for(document) -> tuple[list[CircuitTemplate], list[CircuitTemplate], str]:
    """The active templates for the document's type (its retention rule), the others, and the type's label
    (two queries). Without a type, or when no template names it, every template is among the others."""
    templates = list(CircuitTemplate.objects.filter(active=True).order_by("name"))
    try:
        from ged.retention.models import DocumentRecord
    except ImportError:  # the records management is an optional part of the GED
        return [], templates, ""
    record = (
        DocumentRecord.objects.filter(document_id=document.pk)
        .select_related("rule")
        .only("rule__code", "rule__label")
        .first()
    )
    if record is None:
        return [], templates, ""
    fitting = [t for t in templates if template_fits(t.document_type, record.rule.code, record.rule.label)]
    others = [t for t in templates if t not in fitting]
    return fitting, others, record.rule.label
