"""Writes of the circuits' set-up, by a circuit administrator (`may_administer`): desks (name, members,
active) and templates (label, ordered steps). Editing a template never changes a circuit under way: its steps
were copied at submission. Refusals are ValidationErrors with a French sentence saying what to do."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .choices import StepKind, StepMode
from .models import CircuitTemplate, Desk, TemplateStep

ADMIN_PERMISSION = "ged_circuits.manage_circuits"


def may_administer(user) -> bool:
    """Superusers and holders of « Administrateur des circuits » (usually through a group)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(ADMIN_PERMISSION))


def _name(value, limit: int) -> str:
    return " ".join((value or "").replace("\x00", "").split())[:limit]


def _desk_name(name: str, desk: Desk | None = None) -> str:
    name = _name(name, 120)
    if not name:
        raise ValidationError(_("Donnez un nom au bureau, par exemple « Direction des finances »."))
    others = Desk.objects.filter(name__iexact=name)
    if desk is not None:
        others = others.exclude(pk=desk.pk)
    if others.exists():
        raise ValidationError(
            _("Un bureau porte déjà le nom « %(name)s » : choisissez-en un autre.") % {"name": name}
        )
    return name


@transaction.atomic
def desk_create(*, name: str, members=(), actor=None, description: str = "") -> Desk:
    desk = Desk.objects.create(name=_desk_name(name), description=_name(description, 300))
    desk.members.set(members)
    audit_record(action="circuits.desk.create", actor=actor, obj=desk, extra={"members": len(members)})
    return desk


@transaction.atomic
def desk_update(*, desk: Desk, name: str, members, actor, description: str = "", active: bool = True) -> Desk:
    """Rename, change the members, (de)activate. A step that has started keeps its required count; the
    members count for the steps to come. A quorum step of an active template may not exceed the desk."""
    desk = Desk.objects.select_for_update().get(pk=desk.pk)
    desk.name, desk.description, desk.active = _desk_name(name, desk), _name(description, 300), active
    members = list(members)
    active_members = sum(1 for m in members if m.is_active)
    too_big = (
        TemplateStep.objects.filter(desk=desk, mode=StepMode.QUORUM, quorum__gt=active_members)
        .select_related("template")
        .first()
    )
    if too_big is not None:
        raise ValidationError(
            _(
                "Le modèle « %(template)s » demande un quorum de %(n)s à ce bureau : gardez au moins "
                "%(n)s membres actifs, ou modifiez d'abord le modèle."
            )
            % {"template": too_big.template.name, "n": too_big.quorum}
        )
    desk.save(update_fields=["name", "description", "active"])
    desk.members.set(members)
    audit_record(
        action="circuits.desk.update",
        actor=actor,
        obj=desk,
        extra={"members": len(members), "active": active},
    )
    return desk


def _template_name(name: str, template: CircuitTemplate | None = None) -> str:
    name = _name(name, 200)
    if not name:
        raise ValidationError(_("Donnez un nom au modèle de circuit."))
    others = CircuitTemplate.objects.filter(name__iexact=name)
    if template is not None:
        others = others.exclude(pk=template.pk)
    if others.exists():
        raise ValidationError(_("Un modèle de circuit porte déjà ce nom : choisissez-en un autre."))
    return name


def _steps(template: CircuitTemplate, steps: list[dict]) -> None:
    """Check and write the ordered steps (dicts with desk, kind, mode, quorum, deadline_days)."""
    if not steps:
        raise ValidationError(_("Un circuit a au moins une étape : ajoutez un visa ou une signature."))
    rows = []
    for position, step in enumerate(steps, start=1):
        mode = StepMode(step.get("mode") or StepMode.ONE)
        quorum = step.get("quorum") if mode == StepMode.QUORUM else None
        desk = step["desk"]
        if mode == StepMode.QUORUM:
            members = desk.members.filter(is_active=True).count()
            if not quorum or quorum < 1 or quorum > members:
                raise ValidationError(
                    _(
                        "Le quorum de l'étape %(n)s doit être compris entre 1 et %(max)s "
                        "(les membres du bureau « %(desk)s »)."
                    )
                    % {"n": position, "max": members, "desk": desk.name}
                )
        days = step.get("deadline_days")
        if days is not None and not 0 < days <= 365:
            raise ValidationError(
                _("Le délai de l'étape %(n)s doit être compris entre 1 et 365 jours, ou laissé vide.")
                % {"n": position}
            )
        rows.append(
            TemplateStep(
                template=template,
                position=position,
                kind=StepKind(step.get("kind") or StepKind.VISA),
                desk=desk,
                mode=mode,
                quorum=quorum,
                deadline_days=days,
            )
        )
    template.steps.all().delete()
    TemplateStep.objects.bulk_create(rows)


@transaction.atomic
def template_create(*, name: str, steps: list[dict], document_type: str = "", actor=None) -> CircuitTemplate:
    """`steps`: dicts with desk, kind, mode, quorum and deadline_days, in order."""
    name = _template_name(name)
    if not steps:
        raise ValidationError(_("Un circuit a au moins une étape : ajoutez un visa ou une signature."))
    template = CircuitTemplate.objects.create(name=name, document_type=_name(document_type, 120))
    _steps(template, steps)
    audit_record(action="circuits.template.create", actor=actor, obj=template, extra={"steps": len(steps)})
    return template


@transaction.atomic
def template_update(
    *, template: CircuitTemplate, name: str, steps: list[dict], actor, document_type: str = "", active=True
) -> CircuitTemplate:
    """Replace the label and the steps; circuits under way keep the steps they copied."""
    template = CircuitTemplate.objects.select_for_update().get(pk=template.pk)
    template.name = _template_name(name, template)
    template.document_type, template.active = _name(document_type, 120), active
    template.save(update_fields=["name", "document_type", "active"])
    _steps(template, steps)
    audit_record(
        action="circuits.template.update",
        actor=actor,
        obj=template,
        extra={"steps": len(steps), "active": active},
    )
    return template
