"""The agent's own directory profile: the only write of the « Annuaire »."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .choices import Weekday
from .models import User

# Written by the LDAP sync on every run for accounts that come from the directory (ldap_sync.USER_FIELDS):
# a change made here would be silently undone, so the profile shows them read-only.
DIRECTORY_OWNED = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "job_title",
    "department",
    "manager",
    "employer",
)
# What every agent describes about themselves.
AGENT_FIELDS = (
    "what_i_do",
    "contact_me_for",
    "skills",
    "office_days",
    "absent_until",
    "backup_contact",
    "office",
)
# A local account (no directory) has nobody else to keep its phone numbers and title up to date. Names,
# e-mail, department, manager and employer stay with IT even then: the department grants rights (its group)
# and the e-mail identifies the agent to other applications (OpenID Connect).
LOCAL_ACCOUNT_FIELDS = ("job_title", "phone", "mobile")

MAX_SKILLS = 20
MAX_SKILL_LENGTH = 50


def editable_fields(user: User) -> tuple[str, ...]:
    return AGENT_FIELDS if user.from_directory else AGENT_FIELDS + LOCAL_ACCOUNT_FIELDS


def _clean_skills(skills) -> list[str]:
    names, seen = [], set()
    for raw in skills or []:
        name = " ".join(str(raw).split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    errors = []
    if len(names) > MAX_SKILLS:
        errors.append(
            _("Indiquez au plus %(max)s compétences : gardez celles pour lesquelles on vous sollicite.")
            % {"max": MAX_SKILLS}
        )
    too_long = [n for n in names if len(n) > MAX_SKILL_LENGTH]
    if too_long:
        errors.append(
            _("Une compétence tient en %(max)s caractères au plus ; raccourcissez « %(name)s ».")
            % {"max": MAX_SKILL_LENGTH, "name": too_long[0][:60]}
        )
    if errors:
        raise ValidationError({"skills": errors})
    return names


def _validate(user: User, fields: dict) -> dict:
    errors: dict[str, list] = {}
    if "office_days" in fields:
        days = sorted({int(d) for d in fields["office_days"] or []})
        if any(d not in Weekday.values for d in days):
            errors["office_days"] = [_("Choisissez des jours entre le lundi et le vendredi.")]
        fields["office_days"] = days
    absent_until = fields.get("absent_until")
    if absent_until is not None and (
        not isinstance(absent_until, date) or absent_until < timezone.localdate()
    ):
        errors["absent_until"] = [
            _(
                "La date de retour est déjà passée : indiquez le dernier jour de votre absence, "
                "aujourd'hui ou plus tard, ou laissez le champ vide si vous êtes présent·e."
            )
        ]
    backup = fields.get("backup_contact")
    if backup is not None:
        if backup.pk == user.pk:
            errors["backup_contact"] = [
                _("Vous ne pouvez pas être votre propre contact : choisissez un ou une collègue.")
            ]
        elif not backup.is_active:
            errors["backup_contact"] = [
                _("Cet agent a quitté la collectivité : choisissez un ou une collègue en poste.")
            ]
    for name in ("what_i_do", "contact_me_for", "office", "job_title", "phone", "mobile"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if "skills" in fields:
        try:
            fields["skills"] = _clean_skills(fields["skills"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return fields


def _current(user: User, name: str):
    # Compare foreign keys by id: no query for the related row.
    return user.backup_contact_id if name == "backup_contact" else getattr(user, name)


def _comparable(value):
    return value.pk if isinstance(value, User) else value


@transaction.atomic
def user_profile_update(*, user: User, actor: User, request=None, **fields) -> User:
    """Change the agent's own profile fields. Directory-owned fields are refused for directory accounts, as
    is any change made by someone else; nothing is written (nor audited) when nothing changed."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Seul l'agent concerné peut modifier son profil."))
    allowed = editable_fields(user)
    refused = sorted(set(fields) - set(allowed))
    if refused:
        raise ValidationError(
            _(
                "Ces informations viennent de l'annuaire de la collectivité : demandez leur modification "
                "au service Ressources humaines ou au service Systèmes d'information (%(fields)s)."
            )
            % {"fields": ", ".join(refused)}
        )
    fields = _validate(user, dict(fields))
    skills = fields.pop("skills", None)

    changed = [name for name, value in fields.items() if _current(user, name) != _comparable(value)]
    if changed:
        for name in changed:
            setattr(user, name, fields[name])
        try:
            user.clean_fields(exclude=[f.name for f in User._meta.fields if f.name not in changed])
        except ValidationError:
            user.refresh_from_db(fields=changed)  # leave no half-applied change on the caller's instance
            raise
        user.save(update_fields=changed)
    if skills is not None:
        current = sorted(t.name for t in user.skills.all())
        if current != sorted(skills):
            user.skills.set(skills)
            changed.append("skills")
    if changed:
        audit_record(
            action="people.profile_update",
            actor=actor,
            request=request,
            obj=user,
            extra={"fields": sorted(changed)},
        )
    return user
