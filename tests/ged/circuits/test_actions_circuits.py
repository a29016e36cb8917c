"""Circuit actions: submission of an exact version, decisions at parallel (quorum, all) steps, rejection with
a reason, annotations, the stop on a new version, deadlines and reminders; every refusal in French and
nothing half-done."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ged.actions import version_create
from ged.circuits.actions import (
    circuit_annotate,
    circuit_submit,
    circuits_remind,
    step_approve,
    step_reject,
    template_create,
)
from ged.circuits.choices import CircuitStatus, Decision, StepKind, StepMode, StepStatus, Visibility
from ged.circuits.models import Circuit, CircuitStep, StepAction
from ged.circuits.permissions import desk_ids_for
from ged.circuits.queries import circuit_log, late_steps, steps_to_act
from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification
from tests.ged.conftest import Named

pytestmark = pytest.mark.django_db


def _notified(verb):
    return set(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


def test_submit_records_the_exact_version_and_starts_the_first_step(submit, doc, people):
    """The circuit holds the submitted version and its SHA-256; the first step's desk is told, no one else."""
    circuit = submit()
    doc.refresh_from_db()
    assert circuit.version_id == doc.current_version_id
    assert circuit.version_sha256 == doc.current_version.blob_id and len(circuit.version_sha256) == 64
    first, second = circuit.steps.order_by("position")
    assert (first.status, first.required, second.status) == (StepStatus.ACTIVE, 2, StepStatus.WAITING)
    assert timedelta(days=2, hours=23) < first.due_at - first.started_at <= timedelta(days=3)
    assert _notified("ged.circuit.step") == {"olivier.fin", "sandrine.fin", "paul.fin"}
    assert AccessEvent.objects.filter(action="circuits.submit", object_id=str(circuit.pk)).exists()


def test_submit_by_an_agent_who_cannot_read_the_document_is_refused(submit, people, doc, template):
    """A circuit on a document the submitter cannot read: refused, nothing created; a reader may submit."""
    doc.refresh_from_db()
    with pytest.raises(ValidationError, match="Vous ne pouvez pas lire ce document"):
        circuit_submit(
            document=doc, version=doc.current_version, template=template, submitter=people["outsider"]
        )
    assert not Circuit.objects.exists() and not CircuitStep.objects.exists()
    assert submit().status == CircuitStatus.IN_PROGRESS


def test_a_second_circuit_on_the_same_document_is_refused(submit):
    submit()
    with pytest.raises(ValidationError, match="déjà dans un circuit en cours"):
        submit()
    assert Circuit.objects.count() == 1


def test_only_the_current_version_may_be_submitted(doc, template, people, manager):
    old = doc.current_version
    version_create(document=doc, uploaded_file_or_path=Named(b"%PDF-1.4 v2", "x.pdf"), author=manager)
    with pytest.raises(ValidationError, match="Seule la version actuelle"):
        circuit_submit(document=doc, version=old, template=template, submitter=people["submitter"])
    doc.refresh_from_db()
    circuit = circuit_submit(
        document=doc, version=doc.current_version, template=template, submitter=people["submitter"]
    )
    assert circuit.version.number == 2


def test_quorum_step_completes_at_the_quorum_then_the_signature_step_starts(submit, people, doc):
    """Quorum 2 of 3: one approval leaves the step open; the second closes it and the DGS is told."""
    circuit = submit()
    step_approve(circuit=circuit, actor=people["fin1"])
    first = circuit.steps.get(position=1)
    assert first.status == StepStatus.ACTIVE
    assert not _notified("ged.circuit.step") & {"jerome.dgs"}
    step_approve(circuit=circuit, actor=people["fin2"], text="Crédits disponibles au chapitre 65.")
    first.refresh_from_db()
    circuit.refresh_from_db()
    assert first.status == StepStatus.APPROVED and circuit.position == 2
    assert circuit.steps.get(position=2).status == StepStatus.ACTIVE
    assert "jerome.dgs" in _notified("ged.circuit.step")
    # The third member is no longer asked: the step is over.
    with pytest.raises(ValidationError, match="n'agissez pas pour le bureau « DGS »"):
        step_approve(circuit=circuit, actor=people["fin3"])
    visa = StepAction.objects.filter(decision=Decision.APPROVE).order_by("pk").first()
    doc.refresh_from_db()
    assert visa.version_sha256 == doc.current_version.blob_id and visa.actor == people["fin1"]


def test_the_same_agent_cannot_decide_twice_at_a_step(submit, people):
    circuit = submit()
    step_approve(circuit=circuit, actor=people["fin1"])
    with pytest.raises(ValidationError, match="déjà donné votre décision"):
        step_approve(circuit=circuit, actor=people["fin1"])
    assert StepAction.objects.filter(decision=Decision.APPROVE).count() == 1


def test_an_actor_outside_the_desk_is_refused(submit, people):
    circuit = submit()
    with pytest.raises(ValidationError, match="n'agissez pas pour le bureau « Direction des finances »"):
        step_approve(circuit=circuit, actor=people["dgs"])
    assert not StepAction.objects.exists()
    step_approve(circuit=circuit, actor=people["fin3"])
    assert StepAction.objects.count() == 1


def test_a_desk_member_who_may_not_read_the_document_is_refused(submit, people, space):
    from ged.actions import grant_revoke

    circuit = submit()
    grant_revoke(folder=space.root, user=people["fin1"], actor=space.root.created_by)
    with pytest.raises(ValidationError, match="Vous ne pouvez pas lire ce document"):
        step_approve(circuit=circuit, actor=people["fin1"])
    assert not StepAction.objects.exists()


def test_rejection_without_a_reason_is_refused_then_with_one_goes_back_to_the_submitter(submit, people):
    circuit = submit()
    for blank in ("", "   \n "):
        with pytest.raises(ValidationError, match="Indiquez le motif du rejet"):
            step_reject(circuit=circuit, actor=people["fin1"], reason=blank)
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.IN_PROGRESS and not StepAction.objects.exists()
    step_reject(circuit=circuit, actor=people["fin1"], reason="Montant erroné à l'article 3.")
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.REJECTED and circuit.finished_at
    statuses = list(circuit.steps.order_by("position").values_list("status", flat=True))
    assert statuses == [StepStatus.REJECTED, StepStatus.CANCELLED]
    note = Notification.objects.get(verb="ged.circuit.result")
    assert note.recipient == people["submitter"] and "Montant erroné" in note.text
    with pytest.raises(ValidationError, match="Ce circuit est terminé"):
        step_approve(circuit=circuit, actor=people["fin2"])


def test_a_rejection_reason_is_also_held_by_the_database(submit, people):
    from django.db import IntegrityError, transaction

    circuit = submit()
    step = circuit.steps.get(position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StepAction.objects.create(
            circuit=circuit,
            step=step,
            actor=people["fin1"],
            actor_label="x",
            desk=step.desk,
            seat=people["fin1"],
            decision=Decision.REJECT,
            text="",
            version=circuit.version,
            version_sha256=circuit.version_sha256,
        )


def test_all_mode_needs_every_member(desks, people, doc, django_capture_on_commit_callbacks):
    template = template_create(
        name="Tous", steps=[{"desk": desks["fin"], "kind": StepKind.OPINION, "mode": StepMode.ALL}]
    )
    doc.refresh_from_db()
    circuit = circuit_submit(
        document=doc, version=doc.current_version, template=template, submitter=people["submitter"]
    )
    for key in ("fin1", "fin2"):
        step_approve(circuit=circuit, actor=people[key])
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.IN_PROGRESS
    step_approve(circuit=circuit, actor=people["fin3"])
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.APPROVED
    assert Notification.objects.filter(verb="ged.circuit.result", recipient=people["submitter"]).exists()


def test_template_with_a_quorum_above_the_desk_size_is_refused(desks):
    from ged.circuits.models import CircuitTemplate

    with pytest.raises(ValidationError, match="quorum de l'étape 1 doit être compris entre 1 et 1"):
        template_create(name="Trop", steps=[{"desk": desks["dgs"], "mode": StepMode.QUORUM, "quorum": 2}])
    assert not CircuitTemplate.objects.filter(name="Trop").exists()
    with pytest.raises(ValidationError, match="au moins une étape"):
        template_create(name="Vide", steps=[])


def test_annotations_public_and_private(submit, people):
    """A public annotation is read by every participant; a private one by its author and their desk only."""
    circuit = submit()
    circuit_annotate(circuit=circuit, actor=people["fin1"], text="Voir la note jointe.")
    circuit_annotate(
        circuit=circuit, actor=people["fin1"], text="Attention au calendrier.", visibility=Visibility.PRIVATE
    )
    with pytest.raises(ValidationError, match="Écrivez le texte"):
        circuit_annotate(circuit=circuit, actor=people["fin1"], text=" ")
    with pytest.raises(ValidationError, match="ne pouvez pas annoter"):
        circuit_annotate(circuit=circuit, actor=people["dgs"], text="Hors bureau")

    def seen(user):
        _steps, actions = circuit_log(circuit, user, desk_ids_for(user))
        return {a.text for a in actions}

    assert seen(people["fin2"]) == {"Voir la note jointe.", "Attention au calendrier."}
    assert seen(people["submitter"]) == {"Voir la note jointe."}
    assert seen(people["dgs"]) == {"Voir la note jointe."}
    # Annotations are not decisions: the step still waits for its quorum.
    assert circuit.steps.get(position=1).status == StepStatus.ACTIVE


def test_a_new_version_during_the_circuit_stops_it(submit, people, doc, manager):
    circuit = submit()
    step_approve(circuit=circuit, actor=people["fin1"])
    version_create(document=doc, uploaded_file_or_path=Named(b"%PDF-1.4 corrige", "x.pdf"), author=manager)
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.STOPPED
    assert "Nouvelle version 2" in circuit.stop_reason
    assert set(circuit.steps.values_list("status", flat=True)) == {StepStatus.CANCELLED}
    stopped = _notified("ged.circuit.stopped")
    assert {"sophie.depot", "olivier.fin", "sandrine.fin", "paul.fin"} <= stopped
    with pytest.raises(ValidationError, match="Ce circuit est terminé"):
        step_approve(circuit=circuit, actor=people["fin2"])
    # The new version may go through a new circuit.
    again = submit()
    assert again.version.number == 2


def test_a_version_on_another_document_does_not_stop_the_circuit(submit, space, upload):
    circuit = submit()
    upload(space.root, "Autre.txt", b"autre")
    circuit.refresh_from_db()
    assert circuit.status == CircuitStatus.IN_PROGRESS


def test_deadline_reminders_once_a_day_and_late_list(submit, people):
    circuit = submit()
    now = timezone.now()
    assert circuits_remind(now=now) == 0
    assert late_steps(people["fin1"], now=now) == []
    later = now + timedelta(days=4)
    assert circuits_remind(now=later) == 1
    assert _notified("ged.circuit.late") == {"olivier.fin", "sandrine.fin", "paul.fin"}
    assert circuits_remind(now=later + timedelta(hours=3)) == 0
    assert circuits_remind(now=later + timedelta(days=1, seconds=1)) == 1
    assert [s.circuit_id for s in late_steps(people["submitter"], now=later)] == [circuit.pk]
    assert [s.circuit_id for s in late_steps(people["fin2"], now=later)] == [circuit.pk]
    assert late_steps(people["dgs"], now=later) == []


def test_steps_to_act_lists_only_undecided_steps_of_my_desks(submit, people):
    circuit = submit()
    assert [s.circuit_id for s in steps_to_act(people["fin1"])] == [circuit.pk]
    assert steps_to_act(people["dgs"]) == []
    assert steps_to_act(people["outsider"]) == []
    step_approve(circuit=circuit, actor=people["fin1"])
    assert steps_to_act(people["fin1"]) == []
    assert [s.circuit_id for s in steps_to_act(people["fin2"])] == [circuit.pk]


def test_purging_a_document_deletes_its_circuits(submit, people, doc, manager):
    """A purge deletes the document, its versions and the circuits on them: nothing blocks it."""
    from ged.actions import document_purge, document_trash

    circuit = submit()
    step_approve(circuit=circuit, actor=people["fin1"])
    document_trash(document=doc, actor=manager)
    doc.refresh_from_db()
    document_purge(document=doc, actor=manager)
    assert not Circuit.objects.exists() and not StepAction.objects.exists()
