"""Every write of the circuits: desks, templates, submission, decisions, annotations, delegations, the stop
on a new version and the deadline reminders. Each runs in one transaction, is audited and notifies the
agents concerned; refusals are ValidationErrors with a French sentence saying what to do.

Locks: the document row first, then the circuit row, in every action (the GED's `_add_version` locks the
document before calling `circuit_version_added`), so two writers never wait on each other in a cycle."""

import contextvars
import io
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from ..actions.versions import version_create
from ..models import Document, Version
from ..permissions import users_who_may
from ..storage import blob_open
from . import signing
from .choices import CircuitStatus, Decision, StepKind, StepMode, StepStatus, Visibility
from .models import Circuit, CircuitStep, CircuitTemplate, Delegation, Desk, StepAction
from .permissions import free_seat, seats, step_recipients

# Desks and templates live in setup_actions.py; re-exported for the demo and older callers.
from .setup_actions import desk_create, desk_update, template_create, template_update  # noqa: F401

# The circuit adding a version itself (the signed PDF): that version does not stop it.
_own_version: contextvars.ContextVar[int | None] = contextvars.ContextVar("circuit_own_version", default=None)

TEXT_MAX = 2000


def _clean(value, limit: int) -> str:
    """Free text as stored: no NUL (PostgreSQL refuses it in text), trimmed, capped."""
    return (value or "").replace("\x00", "").strip()[:limit]


def _url(circuit: Circuit) -> str:
    return reverse("circuits:circuit", args=[circuit.pk])


# Circuits ---------------------------------------------------------------------------------------------


def _start_step(step: CircuitStep, now) -> None:
    if step.mode == StepMode.ALL:
        required = max(1, step.desk.members.filter(is_active=True).count())
    elif step.mode == StepMode.QUORUM:
        required = max(1, step.quorum or 1)
    else:
        required = 1
    step.status, step.started_at, step.required = StepStatus.ACTIVE, now, required
    step.due_at = now + timedelta(days=step.deadline_days) if step.deadline_days else None
    step.save(update_fields=["status", "started_at", "required", "due_at"])


def _notify_step(circuit: Circuit, step: CircuitStep, document: Document) -> None:
    recipients = step_recipients(step, document)
    if not recipients:
        return
    if step.kind == StepKind.SIGNATURE:
        text = _("« %(title)s » attend votre signature (bureau « %(desk)s »).")
    elif step.kind == StepKind.OPINION:
        text = _("« %(title)s » attend votre avis (bureau « %(desk)s »).")
    else:
        text = _("« %(title)s » attend votre visa (bureau « %(desk)s »).")
    notify(
        recipients=recipients,
        verb="ged.circuit.step",
        text=text % {"title": document.title, "desk": step.desk.name},
        url=_url(circuit),
        email=True,
        place=step.desk.name,
    )


def _notify_submitter(circuit: Circuit, text: str) -> None:
    if circuit.submitter_id:
        notify(
            recipients=[circuit.submitter_id],
            verb="ged.circuit.result",
            text=text,
            url=_url(circuit),
            email=True,
            place=circuit.name,
        )


def circuit_submit(
    *,
    document: Document,
    version: Version,
    template: CircuitTemplate,
    submitter,
    message: str = "",
    request=None,
) -> Circuit:
    """Start a circuit on one exact version (the current one) of a document the submitter may read."""
    if not template.active:
        raise ValidationError(_("Ce modèle de circuit n'est plus proposé : choisissez-en un autre."))
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.trashed_at or locked.placeholder or not users_who_may([submitter], document=locked):
            raise ValidationError(
                _("Vous ne pouvez pas lire ce document : il ne peut pas être soumis à un circuit.")
            )
        if version.document_id != locked.pk or version.pk != locked.current_version_id:
            raise ValidationError(
                _(
                    "Seule la version actuelle du document peut être soumise : "
                    "rechargez la page et recommencez."
                )
            )
        if Circuit.objects.in_progress().filter(document=locked).exists():
            raise ValidationError(
                _(
                    "Ce document est déjà dans un circuit en cours : "
                    "attendez sa fin ou déposez une nouvelle version."
                )
            )
        steps = list(template.steps.select_related("desk").order_by("position"))
        if not steps:
            raise ValidationError(_("Ce modèle de circuit n'a aucune étape : choisissez-en un autre."))
        now = timezone.now()
        try:
            with transaction.atomic():
                circuit = Circuit.objects.create(
                    document=locked,
                    version=version,
                    version_sha256=version.blob_id,
                    submitted_version=version,
                    submitted_sha256=version.blob_id,
                    template=template,
                    name=template.name,
                    submitter=submitter,
                    message=" ".join(_clean(message, 2000).split())[:500],
                    submitted_at=now,
                )
        except IntegrityError:  # a concurrent submission won (one circuit in progress per document)
            raise ValidationError(
                _("Ce document est déjà dans un circuit en cours : attendez sa fin.")
            ) from None
        created = CircuitStep.objects.bulk_create(
            [
                CircuitStep(
                    circuit=circuit,
                    position=s.position,
                    kind=s.kind,
                    desk=s.desk,
                    mode=s.mode,
                    quorum=s.quorum,
                    deadline_days=s.deadline_days,
                )
                for s in steps
            ]
        )
        first = created[0]
        first.desk = steps[0].desk
        circuit.position = first.position
        circuit.save(update_fields=["position"])
        _start_step(first, now)
        audit_record(
            action="circuits.submit",
            actor=submitter,
            request=request,
            obj=circuit,
            extra={"document": locked.pk, "version": version.number, "sha256": version.blob_id},
        )
        _notify_step(circuit, first, locked)
    return circuit


def _lock(circuit: Circuit) -> tuple[Document, Circuit, CircuitStep]:
    """Call inside a transaction: the document row, then the circuit row; the circuit must be in progress."""
    document = Document.objects.select_for_update().get(pk=circuit.document_id)
    locked = Circuit.objects.select_for_update().select_related("version").get(pk=circuit.pk)
    if locked.finished:
        raise ValidationError(_("Ce circuit est terminé : il n'attend plus d'action."))
    step = locked.steps.select_related("desk").get(position=locked.position)
    return document, locked, step


def _require_reader(actor, document: Document) -> None:
    if not users_who_may([actor], document=document):
        raise ValidationError(
            _("Vous ne pouvez pas lire ce document : vous ne pouvez pas agir sur ce circuit.")
        )


def _record(*, circuit, step, actor, seat, decision, text="", visibility=Visibility.PUBLIC) -> StepAction:
    return StepAction.objects.create(
        circuit=circuit,
        step=step,
        actor=actor,
        actor_label=actor.get_full_name() or actor.get_username(),
        desk=step.desk,
        seat_id=seat.user_id if seat else None,
        delegation=seat.delegation if seat else None,
        on_behalf_of=seat.on_behalf_of if seat else "",
        decision=decision,
        visibility=visibility,
        text=text,
        version=circuit.version,
        version_sha256=circuit.version_sha256,
    )


def _decide_seat(actor, step: CircuitStep):
    seat = free_seat(actor, step)
    if seat is None:
        if seats(actor, step.desk):
            raise ValidationError(_("Vous avez déjà donné votre décision à cette étape."))
        raise ValidationError(
            _(
                "Vous n'agissez pas pour le bureau « %(desk)s », ni par délégation : "
                "cette étape ne vous attend pas."
            )
            % {"desk": step.desk.name}
        )
    return seat


def step_approve(*, circuit: Circuit, actor, text: str = "", request=None) -> StepAction:
    """Approve (visa, signature, favourable opinion) the active step as the actor's first free seat; the step
    ends when its required number of distinct seats have approved, and the next one starts."""
    text = _clean(text, TEXT_MAX)
    with transaction.atomic():
        document, locked, step = _lock(circuit)
        _require_reader(actor, document)
        seat = _decide_seat(actor, step)
        action = _record(
            circuit=locked, step=step, actor=actor, seat=seat, decision=Decision.APPROVE, text=text
        )
        audit_record(
            action="circuits.approve",
            actor=actor,
            request=request,
            obj=locked,
            extra={
                "step": step.position,
                "desk": step.desk_id,
                "on_behalf_of": seat.on_behalf_of,
                "sha256": locked.version_sha256,
            },
        )
        approvals = (
            StepAction.objects.filter(step=step, decision=Decision.APPROVE)
            .values("seat_id")
            .distinct()
            .count()
        )
        if approvals >= step.required:
            _finish_step(document, locked, step, actor, request)
    circuit.refresh_from_db()
    return action


def _sign_version(document: Document, circuit: Circuit, step: CircuitStep, actor, request=None) -> None:
    """A completed signature step on a PDF, with a signing certificate configured: the PDF signed in PAdES
    becomes a new version, added by the circuit itself (it does not stop the circuit), and the following
    steps act on it."""
    if (
        step.kind != StepKind.SIGNATURE
        or not signing.enabled()
        or circuit.version.mime_type != "application/pdf"
    ):
        return
    fh = blob_open(circuit.version.blob_id)
    try:
        data = fh.read()
    finally:
        fh.close()
    signed = signing.pades_sign(
        data,
        reason=_("Signature du circuit « %(name)s », bureau « %(desk)s »")
        % {"name": circuit.name, "desk": step.desk.name},
        name=actor.get_full_name() or actor.get_username(),
        location=getattr(settings, "CIRCUITS_SIGNING_LOCATION", ""),
    )
    token = _own_version.set(circuit.pk)
    try:
        version = version_create(
            document=document,
            uploaded_file_or_path=_Named(signed, circuit.version.original_name or document.title),
            author=actor,
            comment=_("Signé électroniquement (PAdES) par le circuit « %(name)s »") % {"name": circuit.name},
            request=request,
        )
    finally:
        _own_version.reset(token)
    if circuit.submitted_version_id is None:  # a row an older release inserted: keep what was submitted
        circuit.submitted_version, circuit.submitted_sha256 = circuit.version, circuit.version_sha256
    # The following steps act on the signed version; the submitted one stays on the page and the bordereau.
    circuit.version, circuit.version_sha256 = version, version.blob_id
    circuit.save(update_fields=["version", "version_sha256", "submitted_version", "submitted_sha256"])
    audit_record(
        action="circuits.pades",
        actor=actor,
        obj=circuit,
        extra={"document": document.pk, "version": version.number, "sha256": version.blob_id},
    )


class _Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


def _finish_step(document: Document, circuit: Circuit, step: CircuitStep, actor, request=None) -> None:
    now = timezone.now()
    step.status, step.finished_at = StepStatus.APPROVED, now
    step.save(update_fields=["status", "finished_at"])
    _sign_version(document, circuit, step, actor, request)
    following = (
        circuit.steps.select_related("desk").filter(position__gt=step.position).order_by("position").first()
    )
    if following is not None:
        circuit.position = following.position
        circuit.save(update_fields=["position"])
        _start_step(following, now)
        _notify_step(circuit, following, document)
        return
    circuit.status, circuit.finished_at = CircuitStatus.APPROVED, now
    circuit.save(update_fields=["status", "finished_at"])
    audit_record(action="circuits.complete", actor=actor, obj=circuit, extra={"document": document.pk})
    _notify_submitter(
        circuit,
        _("Le circuit « %(name)s » de « %(title)s » est terminé.")
        % {"name": circuit.name, "title": document.title},
    )


def step_reject(*, circuit: Circuit, actor, reason: str, request=None) -> StepAction:
    """Reject with a mandatory reason: the circuit ends and goes back to its submitter."""
    reason = _clean(reason, TEXT_MAX)
    if not reason:
        raise ValidationError(
            _("Indiquez le motif du rejet : il est transmis à la personne qui a déposé le document.")
        )
    with transaction.atomic():
        document, locked, step = _lock(circuit)
        _require_reader(actor, document)
        seat = _decide_seat(actor, step)
        action = _record(
            circuit=locked, step=step, actor=actor, seat=seat, decision=Decision.REJECT, text=reason
        )
        now = timezone.now()
        step.status, step.finished_at = StepStatus.REJECTED, now
        step.save(update_fields=["status", "finished_at"])
        locked.steps.filter(status=StepStatus.WAITING).update(status=StepStatus.CANCELLED)
        locked.status, locked.finished_at = CircuitStatus.REJECTED, now
        locked.save(update_fields=["status", "finished_at"])
        audit_record(
            action="circuits.reject",
            actor=actor,
            request=request,
            obj=locked,
            extra={"step": step.position, "desk": step.desk_id, "on_behalf_of": seat.on_behalf_of},
        )
        _notify_submitter(
            locked,
            _("« %(title)s » a été rejeté par %(who)s (bureau « %(desk)s ») : %(reason)s")
            % {
                "title": document.title,
                "who": action.actor_label,
                "desk": step.desk.name,
                "reason": reason[:200],
            },
        )
    circuit.refresh_from_db()
    return action


def circuit_annotate(
    *, circuit: Circuit, actor, text: str, visibility: str = Visibility.PUBLIC, request=None
):
    """A public or private annotation by an actor of the active step (private: read only by its author and
    those acting for the same desk)."""
    text = _clean(text, TEXT_MAX)
    if not text:
        raise ValidationError(_("Écrivez le texte de l'annotation."))
    if visibility not in Visibility.values:
        raise ValidationError(_("Choisissez une annotation publique ou privée."))
    with transaction.atomic():
        document, locked, step = _lock(circuit)
        _require_reader(actor, document)
        held = seats(actor, step.desk)
        if not held:
            raise ValidationError(
                _("Vous n'agissez pas pour le bureau « %(desk)s » : vous ne pouvez pas annoter ce circuit.")
                % {"desk": step.desk.name}
            )
        action = _record(
            circuit=locked,
            step=step,
            actor=actor,
            seat=held[0],
            decision=Decision.ANNOTATE,
            text=text,
            visibility=visibility,
        )
        audit_record(
            action="circuits.annotate",
            actor=actor,
            request=request,
            obj=locked,
            extra={"visibility": visibility},
        )
    return action


def circuit_version_added(*, document: Document, version: Version, author) -> None:
    """The GED's `version_added` hook (document row locked): a new version stops the circuit in progress,
    unless the circuit added it itself (the signed PDF, `_own_version`)."""
    if version.number == 1:  # a new document is in no circuit: no query on the upload path
        return
    circuit = Circuit.objects.in_progress().select_for_update().filter(document_id=document.pk).first()
    if circuit is None or _own_version.get() == circuit.pk:
        return
    who = (author.get_full_name() or author.get_username()) if author is not None else _("le système")
    reason = _("Nouvelle version %(n)s déposée par %(who)s pendant le circuit.") % {
        "n": version.number,
        "who": who,
    }
    _stop(circuit, document, author, reason, extra={"version": version.number})


def circuit_document_trashed(*, document: Document, actor) -> None:
    """The GED's `trashed` hook (ged/removal_hooks.py, inside document_trash's transaction): a document put
    in the trash stops its circuit in progress, like a new version does."""
    circuit = Circuit.objects.in_progress().select_for_update().filter(document_id=document.pk).first()
    if circuit is None:
        return
    who = (actor.get_full_name() or actor.get_username()) if actor is not None else _("le système")
    reason = _("Document mis à la corbeille par %(who)s pendant le circuit.") % {"who": who}
    _stop(circuit, document, actor, reason, extra={"trashed": True})


def _stop(circuit: Circuit, document: Document, author, reason: str, extra: dict) -> None:
    """Stop a circuit in progress (its row locked by the caller): waiting and active steps are cancelled, the
    submitter and the active step's actors are told (not the agent who caused the stop)."""
    now = timezone.now()
    circuit.status, circuit.finished_at, circuit.stop_reason = CircuitStatus.STOPPED, now, reason[:500]
    circuit.save(update_fields=["status", "finished_at", "stop_reason"])
    active = list(circuit.steps.select_related("desk").filter(status=StepStatus.ACTIVE))
    circuit.steps.filter(status__in=[StepStatus.ACTIVE, StepStatus.WAITING]).update(
        status=StepStatus.CANCELLED, finished_at=now
    )
    audit_record(action="circuits.stop", actor=author, obj=circuit, extra=extra)
    recipients = set()
    for step in active:
        recipients.update(step_recipients(step, document))
    if circuit.submitter_id:
        recipients.add(circuit.submitter_id)
    if author is not None:
        recipients.discard(author.pk)
    if recipients:
        notify(
            recipients=recipients,
            verb="ged.circuit.stopped",
            text=_("Le circuit « %(name)s » de « %(title)s » est arrêté : %(reason)s")
            % {"name": circuit.name, "title": document.title, "reason": circuit.stop_reason},
            url=_url(circuit),
            email=True,
            place=circuit.name,
        )


# Delegations ------------------------------------------------------------------------------------------


@transaction.atomic
def delegation_create(*, actor, deputy, start, end, desk: Desk | None = None, person=None) -> Delegation:
    """A dated delegation of a desk (by one of its members) or of an agent (by that agent) to a deputy.
    Refused: no target or two, dates in the wrong order, pointing to oneself, an overlap with another current
    delegation of the same desk or agent."""
    if (desk is None) == (person is None):
        raise ValidationError(_("Choisissez ce que vous déléguez : un bureau, ou vos propres circuits."))
    if start is None or end is None or start > end:
        raise ValidationError(_("La date de fin de la délégation doit suivre sa date de début."))
    if end < timezone.localdate():
        raise ValidationError(_("Cette délégation serait déjà terminée : choisissez des dates à venir."))
    if deputy is None or not deputy.is_active:
        raise ValidationError(_("Choisissez un suppléant dont le compte est actif."))
    if person is not None:
        if person.pk != actor.pk and not actor.is_superuser:
            raise ValidationError(_("Vous ne pouvez déléguer que vos propres circuits."))
        if deputy.pk == person.pk:
            raise ValidationError(
                _("Vous ne pouvez pas vous déléguer à vous-même : choisissez un suppléant.")
            )
        target = {"person": person}
    else:
        desk = Desk.objects.select_for_update().get(pk=desk.pk)
        members = set(desk.members.values_list("pk", flat=True))
        if actor.pk not in members and not actor.is_superuser:
            raise ValidationError(_("Seul un membre du bureau peut le déléguer."))
        if deputy.pk in members:
            raise ValidationError(
                _(
                    "%(who)s est déjà membre du bureau « %(desk)s » : "
                    "choisissez un suppléant extérieur au bureau."
                )
                % {"who": deputy.get_full_name(), "desk": desk.name}
            )
        target = {"desk": desk}
    if person is not None:
        # Serialises two delegations of the same agent: the overlap check below then sees the other one.
        type(person).objects.select_for_update().filter(pk=person.pk).first()
    overlapping = Delegation.objects.filter(revoked_at__isnull=True, start__lte=end, end__gte=start, **target)
    if overlapping.exists():
        raise ValidationError(
            _(
                "Une délégation couvre déjà une partie de ces dates : "
                "révoquez-la ou choisissez d'autres dates."
            )
        )
    delegation = Delegation.objects.create(deputy=deputy, start=start, end=end, created_by=actor, **target)
    audit_record(
        action="circuits.delegation.create",
        actor=actor,
        obj=delegation,
        extra={"deputy": deputy.pk, "start": start.isoformat(), "end": end.isoformat()},
    )
    notify(
        recipients=[deputy],
        verb="ged.circuit.delegation",
        text=_("Du %(start)s au %(end)s, vous agissez pour le compte de %(whom)s dans le parapheur.")
        % {
            "start": start.strftime("%d/%m/%Y"),
            "end": end.strftime("%d/%m/%Y"),
            "whom": desk.name if desk is not None else person.get_full_name(),
        },
        url=reverse("circuits:todo"),
        email=True,
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, actor) -> Delegation:
    allowed = actor.is_superuser or delegation.created_by_id == actor.pk or delegation.person_id == actor.pk
    if delegation.desk_id and delegation.desk.members.filter(pk=actor.pk).exists():
        allowed = True
    if not allowed:
        raise ValidationError(_("Seul l'auteur de la délégation ou un membre du bureau peut la révoquer."))
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        audit_record(action="circuits.delegation.revoke", actor=actor, obj=delegation)
    return delegation


# Deadlines --------------------------------------------------------------------------------------------


def circuits_remind(*, now=None) -> int:
    """Remind the actors of every late step, at most once a day per step; returns how many were reminded."""
    now = now or timezone.now()
    count = 0
    late = CircuitStep.objects.late(now).filter(reminded_at__isnull=True) | CircuitStep.objects.late(
        now
    ).filter(reminded_at__lt=now - timedelta(days=1))
    for step_id in list(late.values_list("pk", flat=True)):
        with transaction.atomic():
            step = (
                CircuitStep.objects.select_for_update()
                .select_related("desk", "circuit", "circuit__document")
                .filter(pk=step_id)
                .first()
            )
            if step is None or step.status != StepStatus.ACTIVE or not step.due_at or step.due_at >= now:
                continue
            if step.reminded_at and step.reminded_at >= now - timedelta(days=1):
                continue
            step.reminded_at = now
            step.save(update_fields=["reminded_at"])
            document = step.circuit.document
            recipients = step_recipients(step, document)
            if recipients:
                notify(
                    recipients=recipients,
                    verb="ged.circuit.late",
                    text=_("Relance : « %(title)s » attend le bureau « %(desk)s » depuis le %(due)s.")
                    % {
                        "title": document.title,
                        "desk": step.desk.name,
                        "due": timezone.localtime(step.due_at).strftime("%d/%m/%Y"),
                    },
                    url=_url(step.circuit),
                    email=True,
                    place=step.desk.name,
                )
            count += 1
    return count
