"""/api/v1/circuits/: the agent's circuits (submitted, and the steps waiting for them, delegations included),
one circuit's steps, decisions and hashes, submission of a document's current version, and decisions
(approve, reject with a reason, public or private annotation). Through the same actions, queries and
permission functions as the parapheur's pages: a circuit on a document the caller cannot read, a step the
caller does not act for, answer 404 like a missing one; a state that changed (the step is no longer active,
the circuit is over, a newer version, a circuit already in progress) answers 409; a refused value 400, each
with a French `detail`."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from intranet.api_schema import Error, ObjectId, StrictIn

from ..permissions import access_document
from ..views.common import error_text
from . import actions, queries
from .models import Circuit, CircuitStep, CircuitTemplate
from .permissions import access_circuit

router = Router(tags=["parapheur"])


class DocumentRef(Schema):
    id: int
    title: str


class StepRef(Schema):
    id: int
    position: int
    kind: str = Field(..., description="visa, signature ou opinion (avis).")
    desk: str
    due_at: datetime | None
    late: bool


class CircuitRow(Schema):
    id: int
    name: str
    document: DocumentRef
    status: str = Field(..., description="in_progress, approved (terminé), rejected ou stopped (arrêté).")
    submitted_at: datetime
    submitter: str | None = Field(..., description="Identifiant de l'agent qui a déposé le document.")
    active_step: StepRef | None


class TodoRow(CircuitRow):
    for_someone_else: bool = Field(..., description="Vous agiriez par délégation, pour le compte d'un autre.")


class MineOut(Schema):
    to_act: list[TodoRow] = Field(
        ..., description="Les étapes qui attendent votre décision, délégations incluses."
    )
    submitted: list[CircuitRow] = Field(..., description="Les circuits que vous avez déposés (200 au plus).")


class ActionOut(Schema):
    id: int
    actor: str
    desk: str
    on_behalf_of: str = Field(..., description="Pour le compte de qui (délégation), sinon vide.")
    decision: str = Field(..., description="approve, reject ou annotate.")
    visibility: str = Field(..., description="public ou private (annotations privées : le bureau seulement).")
    text: str
    at: datetime
    version: int = Field(..., description="Le numéro de la version sur laquelle porte la décision.")
    sha256: str


class StepOut(Schema):
    id: int
    position: int
    kind: str
    desk: str
    mode: str = Field(..., description="one, all ou quorum.")
    quorum: int | None
    required: int = Field(..., description="Approbations requises pour terminer l'étape.")
    status: str = Field(..., description="waiting, active, approved, rejected ou cancelled.")
    started_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    late: bool
    actions: list[ActionOut]


class VersionRef(Schema):
    id: int
    number: int
    sha256: str


class CircuitOut(Schema):
    id: int
    name: str
    document: DocumentRef
    version: VersionRef = Field(
        ...,
        description="La version sur laquelle agissent les étapes (la version signée après une signature).",
    )
    submitted_version: VersionRef = Field(..., description="La version soumise au circuit.")
    signed_version: VersionRef | None = Field(
        None, description="La version signée (PAdES) ajoutée par le circuit, s'il y en a une."
    )
    status: str
    message: str
    submitter: str | None
    submitted_at: datetime
    finished_at: datetime | None
    stop_reason: str
    abilities: dict[str, bool] = Field(..., description="act (approuver/rejeter), annotate, bordereau.")
    steps: list[StepOut]


class TemplateOut(Schema):
    id: int
    name: str
    document_type: str
    steps: int


class SubmitIn(StrictIn):
    document: ObjectId
    template: ObjectId = Field(..., description="Un modèle actif (GET /circuits/templates).")
    version: ObjectId | None = Field(
        None, description="La version lue : 409 si ce n'est plus la version actuelle du document."
    )
    message: str = Field("", max_length=2000)


class ActIn(StrictIn):
    decision: Literal["approve", "reject", "annotate"]
    text: str = Field("", max_length=2000, description="Motif (obligatoire pour un rejet) ou annotation.")
    visibility: Literal["public", "private"] = "public"
    step: ObjectId | None = Field(
        None, description="L'étape sur laquelle vous agissez : 409 si elle n'est plus active."
    )


def _user(request):
    return request.auth


def _step_ref(step: CircuitStep | None) -> StepRef | None:
    if step is None:
        return None
    return StepRef(
        id=step.pk,
        position=step.position,
        kind=step.kind,
        desk=step.desk.name,
        due_at=step.due_at,
        late=step.late,
    )


def _row(circuit: Circuit, active: CircuitStep | None) -> dict:
    return {
        "id": circuit.pk,
        "name": circuit.name,
        "document": DocumentRef(id=circuit.document_id, title=circuit.document.title),
        "status": circuit.status,
        "submitted_at": circuit.submitted_at,
        "submitter": circuit.submitter.username if circuit.submitter else None,
        "active_step": _step_ref(active),
    }


def _refuse(status: int, detail: str) -> Status:
    return Status(status, {"detail": detail})


def _texts(*values) -> None:
    if any("\x00" in (v or "") for v in values):
        raise HttpError(400, _("Le texte contient un caractère nul : retirez-le et renvoyez."))


@router.get(
    "/circuits/", response=MineOut, summary="Mes circuits : à viser ou signer, et ceux que j'ai déposés"
)
def mine(request):
    user = _user(request)
    to_act = [
        TodoRow(**_row(step.circuit, step), for_someone_else=step.for_someone_else)
        for step in queries.steps_to_act(user)
    ]
    submitted = []
    for circuit in queries.my_circuits(user):
        active = next((s for s in circuit.steps.all() if s.status == "active"), None)
        circuit.submitter = user
        submitted.append(CircuitRow(**_row(circuit, active)))
    return {"to_act": to_act, "submitted": submitted}


@router.get("/circuits/templates", response=list[TemplateOut], summary="Les modèles de circuit proposés")
def templates(request):
    from django.db.models import Count

    rows = CircuitTemplate.objects.filter(active=True).annotate(n=Count("steps")).order_by("name")
    return [TemplateOut(id=t.pk, name=t.name, document_type=t.document_type, steps=t.n) for t in rows]


def _circuit_out(user, pk) -> CircuitOut:
    circuit, ctx = access_circuit(user, pk)
    steps, _actions = queries.circuit_log(circuit, user, ctx["desk_ids"])
    return CircuitOut(
        id=circuit.pk,
        name=circuit.name,
        document=DocumentRef(id=circuit.document_id, title=circuit.document.title),
        version=VersionRef(
            id=circuit.version_id, number=circuit.version.number, sha256=circuit.version_sha256
        ),
        submitted_version=VersionRef(
            id=circuit.first_version.pk, number=circuit.first_version.number, sha256=circuit.first_sha256
        ),
        signed_version=(
            VersionRef(id=signed.pk, number=signed.number, sha256=circuit.version_sha256)
            if (signed := circuit.signed_version)
            else None
        ),
        status=circuit.status,
        message=circuit.message,
        submitter=circuit.submitter.username if circuit.submitter else None,
        submitted_at=circuit.submitted_at,
        finished_at=circuit.finished_at,
        stop_reason=circuit.stop_reason,
        abilities=ctx["abilities"],
        steps=[
            StepOut(
                id=s.pk,
                position=s.position,
                kind=s.kind,
                desk=s.desk.name,
                mode=s.mode,
                quorum=s.quorum,
                required=s.required,
                status=s.status,
                started_at=s.started_at,
                due_at=s.due_at,
                finished_at=s.finished_at,
                late=s.late,
                actions=[
                    ActionOut(
                        id=a.pk,
                        actor=a.actor_label,
                        desk=a.desk.name,
                        on_behalf_of=a.on_behalf_of,
                        decision=a.decision,
                        visibility=a.visibility,
                        text=a.text,
                        at=a.at,
                        version=a.version.number,
                        sha256=a.version_sha256,
                    )
                    for a in s.log
                ],
            )
            for s in steps
        ],
    )


@router.get(
    "/circuits/{circuit_id}",
    response={200: CircuitOut, 404: Error},
    summary="Un circuit : ses étapes, ses décisions et les empreintes des versions",
)
def circuit(request, circuit_id: ObjectId):
    return _circuit_out(_user(request), circuit_id)


@router.post(
    "/circuits/",
    response={201: CircuitOut, 400: Error, 404: Error, 409: Error},
    summary="Soumettre la version actuelle d'un document à un circuit",
)
def submit(request, payload: SubmitIn):
    """404: a document you cannot read. 409: `version` is no longer the current one, or the document is
    already in a circuit. 400: an unknown or inactive template, a document without a version."""
    user = _user(request)
    _texts(payload.message)
    document = access_document(user, payload.document).document
    template = CircuitTemplate.objects.filter(pk=payload.template, active=True).first()
    if template is None:
        return _refuse(
            400, _("Ce modèle de circuit n'existe pas ou n'est plus proposé : choisissez-en un autre.")
        )
    if document.current_version is None:
        return _refuse(
            400, _("Ce document n'a pas encore de version : déposez un fichier avant de le soumettre.")
        )
    if payload.version is not None and payload.version != document.current_version_id:
        return _refuse(
            409,
            _("Seule la version actuelle du document peut être soumise : rechargez la page et recommencez."),
        )
    try:
        created = actions.circuit_submit(
            document=document,
            version=document.current_version,
            template=template,
            submitter=user,
            message=payload.message,
            request=request,
        )
    except ValidationError as exc:
        conflict = Circuit.objects.in_progress().filter(document=document).exists()
        document.refresh_from_db(fields=["current_version"])
        if document.current_version_id != payload.version and payload.version is not None:
            conflict = True
        return _refuse(409 if conflict else 400, error_text(exc))
    return Status(201, _circuit_out(user, created.pk))


@router.post(
    "/circuits/{circuit_id}/act",
    response={200: CircuitOut, 400: Error, 404: Error, 409: Error},
    summary="Approuver, rejeter (motif obligatoire) ou annoter l'étape active",
)
def act(request, circuit_id: ObjectId, payload: ActIn):
    """404: a circuit you cannot see, or whose active step is not for you (desk, delegation). 409: the circuit
    is over, `step` is no longer the active step, or you already decided at this step. 400: a rejection
    without a reason, an empty annotation."""
    user = _user(request)
    _texts(payload.text)
    circuit, ctx = access_circuit(user, circuit_id)
    active = ctx["active"]
    if circuit.finished or active is None:
        return _refuse(409, _("Ce circuit est terminé : il n'attend plus d'action."))
    if payload.step is not None and payload.step != active.pk:
        if not CircuitStep.objects.filter(pk=payload.step, circuit=circuit).exists():
            raise Http404
        return _refuse(409, _("Cette étape n'est plus active : relisez le circuit avant de décider."))
    if not ctx["abilities"]["annotate"]:
        raise Http404
    if payload.decision != "annotate" and not ctx["abilities"]["act"]:
        return _refuse(409, _("Vous avez déjà donné votre décision à cette étape."))
    try:
        if payload.decision == "approve":
            actions.step_approve(circuit=circuit, actor=user, text=payload.text, request=request)
        elif payload.decision == "reject":
            actions.step_reject(circuit=circuit, actor=user, reason=payload.text, request=request)
        else:
            actions.circuit_annotate(
                circuit=circuit, actor=user, text=payload.text, visibility=payload.visibility, request=request
            )
    except ValidationError as exc:
        # Between our read and the action's lock, another decision may have moved the circuit on.
        moved = not Circuit.objects.in_progress().filter(pk=circuit.pk, position=active.position).exists()
        return _refuse(409 if moved else 400, error_text(exc))
    return _circuit_out(user, circuit.pk)
