"""Writes of « Qui est là ? »: the agent's weekly pattern and absences, the team calendar's secret, and the
import of absences from the HR system (docs/presence.md)."""

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .choices import AbsenceSource, AbsenceVisibility, Weekday
from .models import Absence, PresenceFeedToken, User

MAX_ABSENCE_DAYS = 366
MAX_REASON = 100


# --- Weekly pattern ----------------------------------------------------------------------------------------


@transaction.atomic
def presence_pattern_update(*, user: User, office_days, remote_days, request=None) -> User:
    """The agent's usual week: office days and remote days (a day in both is refused)."""
    office = sorted({int(d) for d in office_days or []})
    remote = sorted({int(d) for d in remote_days or []})
    if any(d not in Weekday.values for d in office + remote):
        raise ValidationError(_("Choisissez des jours entre le lundi et le vendredi."))
    if set(office) & set(remote):
        raise ValidationError(_("Un même jour ne peut pas être à la fois au bureau et en télétravail."))
    if office != sorted(user.office_days or []) or remote != sorted(user.remote_days or []):
        user.office_days, user.remote_days = office, remote
        user.save(update_fields=["office_days", "remote_days"])
        audit_record(action="people.presence_pattern_update", actor=user, request=request, obj=user)
    return user


# --- Absences declared by the agent ------------------------------------------------------------------------


def _check_dates(start, end) -> None:
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValidationError(_("Indiquez le premier et le dernier jour de l'absence."))
    if end < start:
        raise ValidationError(_("Le dernier jour de l'absence est avant le premier : corrigez les dates."))
    if (end - start).days >= MAX_ABSENCE_DAYS:
        raise ValidationError(_("Une absence dure au plus un an : déclarez-la en plusieurs périodes."))


@transaction.atomic
def absence_create(
    *,
    user: User,
    start: date,
    end: date,
    reason: str = "",
    visibility: str = AbsenceVisibility.DATES,
    request=None,
) -> Absence:
    _check_dates(start, end)
    if end < timezone.localdate():
        raise ValidationError(
            _("Cette absence est déjà terminée : indiquez une absence en cours ou à venir.")
        )
    if visibility not in AbsenceVisibility.values:
        raise ValidationError(_("Choisissez ce que vos collègues voient de votre absence."))
    absence = Absence.objects.create(
        user=user,
        start=start,
        end=end,
        reason=(reason or "").strip()[:MAX_REASON],
        visibility=visibility,
        source=AbsenceSource.AGENT,
    )
    # The reason stays out of the log: it may say more than colleagues and IT need to know.
    audit_record(
        action="people.absence_create",
        actor=user,
        request=request,
        obj=absence,
        extra={"start": start.isoformat(), "end": end.isoformat()},
    )
    return absence


@transaction.atomic
def absence_visibility_update(*, absence: Absence, actor: User, visibility: str, request=None) -> Absence:
    """The agent chooses what colleagues see, including for an absence imported from the HR system."""
    if absence.user_id != actor.pk:
        raise PermissionDenied
    if visibility not in AbsenceVisibility.values:
        raise ValidationError(_("Choisissez ce que vos collègues voient de votre absence."))
    if absence.visibility != visibility:
        absence.visibility = visibility
        absence.save(update_fields=["visibility"])
        audit_record(action="people.absence_visibility", actor=actor, request=request, obj=absence)
    return absence


@transaction.atomic
def absence_delete(*, absence: Absence, actor: User, request=None) -> None:
    """The agent withdraws an absence they declared; the HR system's own are changed there, not here."""
    if absence.user_id != actor.pk or absence.source != AbsenceSource.AGENT:
        raise PermissionDenied
    audit_record(action="people.absence_delete", actor=actor, request=request, obj=absence)
    absence.delete()


# --- Team calendar secret ----------------------------------------------------------------------------------


@transaction.atomic
def presence_feed_token_create(*, user: User, request=None) -> str:
    """A new secret for the agent's team absence calendars; the previous address stops working."""
    secret = secrets.token_urlsafe(32)
    PresenceFeedToken.objects.filter(user=user).delete()
    PresenceFeedToken.objects.create(user=user, digest=PresenceFeedToken.hash(secret))
    audit_record(action="people.presence_feed.create", actor=user, request=request, obj=user)
    return secret


@transaction.atomic
def presence_feed_token_revoke(*, user: User, request=None) -> int:
    deleted, _rows = PresenceFeedToken.objects.filter(user=user).delete()
    if deleted:
        audit_record(action="people.presence_feed.revoke", actor=user, request=request, obj=user)
    return deleted


def presence_feed_user(secret: str) -> User | None:
    """The active agent behind a secret, or None (unknown, revoked, or the agent has left)."""
    if not secret or len(secret) > 100:
        return None
    token = (
        PresenceFeedToken.objects.select_related("user").filter(digest=PresenceFeedToken.hash(secret)).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        PresenceFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Import from the HR system -----------------------------------------------------------------------------

COLUMNS = ("identifiant", "debut", "fin", "reference")
OPTIONAL = ("motif", "annulee")
YES = {"oui", "o", "yes", "y", "1", "x", "vrai"}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _read(data: bytes) -> tuple[list[dict], list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [
            _("Le fichier n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 » et recommencez.")
        ]
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [
            _("Colonnes manquantes dans la première ligne : %(cols)s (séparateur : point-virgule).")
            % {"cols": ", ".join(missing)}
        ]
    reader.fieldnames = header
    rows = []
    for row in reader:
        rows.append({k: (v or "").strip() for k, v in row.items() if k})
    return rows, []


def absences_import(data: bytes, *, request=None, actor: User | None = None, progress=None) -> ImportReport:
    """Import the HR system's CSV export (format: docs/presence.md). Every line is checked first: a file
    with one bad line imports nothing, and each bad line is reported (line number, what to fix). Re-importing
    the same file changes nothing: lines are matched on `reference`. An agent's choice of what colleagues see
    is kept on update. `progress` (an `intranet.ops.progress.Progress`) counts the lines written."""
    report = ImportReport()
    rows, errors = _read(data)
    if errors:
        report.errors = errors
        return report
    logins = {r["identifiant"].lower() for r in rows if r.get("identifiant")}
    users = {}
    if logins:
        for u in User.objects.filter(Q(username__in=logins) | Q(email__in=logins)).only(
            "id", "username", "email", "is_active"
        ):
            users[u.username.lower()] = u
            if u.email:
                users.setdefault(u.email.lower(), u)
    wanted: dict[str, dict] = {}
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        ident, ref = row.get("identifiant", ""), row.get("reference", "")
        start, end = _parse_date(row.get("debut", "")), _parse_date(row.get("fin", ""))
        problems = []
        user = users.get(ident.lower()) if ident else None
        if not ident:
            problems.append(_("identifiant vide"))
        elif user is None:
            problems.append(
                _("aucun agent « %(id)s » (identifiant de connexion ou courriel)") % {"id": ident[:80]}
            )
        if not ref:
            problems.append(_("référence vide"))
        elif len(ref) > 64:
            problems.append(_("référence de plus de 64 caractères"))
        elif ref in wanted:
            problems.append(
                _("référence « %(ref)s » déjà vue ligne %(line)s") % {"ref": ref, "line": wanted[ref]["line"]}
            )
        if start is None:
            problems.append(_("date de début illisible (JJ/MM/AAAA)"))
        if end is None:
            problems.append(_("date de fin illisible (JJ/MM/AAAA)"))
        if start and end and end < start:
            problems.append(_("la fin est avant le début"))
        elif start and end and (end - start).days >= MAX_ABSENCE_DAYS:
            problems.append(_("plus d'un an d'absence sur une ligne"))
        if problems:
            report.errors.append(
                _("Ligne %(line)s : %(problems)s.") % {"line": number, "problems": " ; ".join(problems)}
            )
            continue
        wanted[ref] = {
            "line": number,
            "user": user,
            "start": start,
            "end": end,
            "reason": row.get("motif", "")[:MAX_REASON],
            "cancelled": row.get("annulee", "").lower() in YES,
        }
    if report.errors:
        return report
    with transaction.atomic():
        existing = {a.hr_ref: a for a in Absence.objects.select_for_update().filter(hr_ref__in=list(wanted))}
        for ref, line in wanted.items():
            if progress is not None:
                progress.advance()
            absence = existing.get(ref)
            if line["cancelled"]:
                if absence is not None:
                    absence.delete()
                    report.deleted += 1
                else:
                    report.unchanged += 1
                continue
            values = {
                "user_id": line["user"].pk,
                "start": line["start"],
                "end": line["end"],
                "reason": line["reason"],
            }
            if absence is None:
                Absence.objects.create(hr_ref=ref, source=AbsenceSource.HR, **values)
                report.created += 1
            elif any(getattr(absence, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(absence, k, v)
                absence.save(update_fields=list(values))
                report.updated += 1
            else:
                report.unchanged += 1
        audit_record(
            action="people.absences_import",
            actor=actor,
            request=request,
            object_type="people.absence",
            extra={"created": report.created, "updated": report.updated, "deleted": report.deleted},
        )
    return report
