"""Reads of « Qui est là ? »: who works where on a given day, from the weekly pattern on the profile (office
and remote days) and the absences (declared by the agent, imported from the HR system, or the profile's
« absent·e jusqu'au »).

Privacy rule (docs/presence.md): colleagues see that an agent is away, the last day when the agent lets
them, and whom to contact instead. The reason of an absence never leaves `own_absences()`.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from intranet import registry

from .choices import AbsenceVisibility, PresenceStatus
from .models import Absence, Department, User

# How far from today the page may look: further ahead the weekly pattern says little.
MAX_DAYS_AWAY = 92


def with_absence_today(qs: QuerySet[User], day: date | None = None) -> QuerySet[User]:
    """Annotate `absent_today` and `absence_end_shown` (the last day of today's absences whose dates the
    agent shows) without a query per row; `User.absence_shown` reads them."""
    day = day or timezone.localdate()
    covering = Absence.objects.covering(day).filter(user=OuterRef("pk"))
    shown_end = covering.filter(visibility=AbsenceVisibility.DATES).order_by("-end").values("end")[:1]
    return qs.annotate(absent_today=Exists(covering), absence_end_shown=Subquery(shown_end))


def clamp_day(day: date | None) -> date:
    today = timezone.localdate()
    if day is None or abs((day - today).days) > MAX_DAYS_AWAY:
        return today
    return day


@dataclass
class PresenceEntry:
    person: User
    status: str
    until: date | None = None  # last day of the absence, when the agent shows it
    backup: User | None = None  # whom to contact during the absence

    @property
    def status_label(self) -> str:
        return PresenceStatus(self.status).label


@dataclass
class DepartmentPresence:
    department: Department | None
    path: list[Department]
    entries: list[PresenceEntry] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)

    @property
    def in_office(self) -> int:
        return self.count(PresenceStatus.OFFICE)

    @property
    def remote(self) -> int:
        return self.count(PresenceStatus.REMOTE)

    @property
    def absent(self) -> int:
        return self.count(PresenceStatus.ABSENT)


def status_for(person: User, day: date, absences: list[Absence], today: date) -> PresenceEntry:
    """One agent's status on `day`, given their absences covering that day (already fetched)."""
    quick = person.absent_until is not None and today <= day <= person.absent_until
    if absences or quick:
        shown = [a.end for a in absences if a.visibility == AbsenceVisibility.DATES]
        if quick:
            shown.append(person.absent_until)
        backup = person.backup_contact if person.backup_contact_id else None
        if backup is not None and not backup.is_active:
            backup = None
        return PresenceEntry(
            person, PresenceStatus.ABSENT, until=max(shown) if shown else None, backup=backup
        )
    weekday = day.isoweekday()
    office, remote = set(person.office_days or []), set(person.remote_days or [])
    if weekday in office:
        return PresenceEntry(person, PresenceStatus.OFFICE)
    if weekday in remote:
        return PresenceEntry(person, PresenceStatus.REMOTE)
    if not office and not remote and weekday <= 5:
        return PresenceEntry(person, PresenceStatus.UNKNOWN)
    return PresenceEntry(person, PresenceStatus.OFF)


def _subtree_filter(department: Department) -> Q:
    # Like the directory's filter: three levels cover direction → service → unit.
    return (
        Q(department=department) | Q(department__parent=department) | Q(department__parent__parent=department)
    )


def _people(department: Department | None) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True)
    if department is not None:
        qs = qs.filter(_subtree_filter(department))
    return (
        qs.select_related("backup_contact")
        .only(
            "id",
            "username",
            "first_name",
            "last_name",
            "job_title",
            "office",
            "office_days",
            "remote_days",
            "absent_until",
            "department_id",
            "backup_contact__id",
            "backup_contact__username",
            "backup_contact__first_name",
            "backup_contact__last_name",
            "backup_contact__is_active",
            "backup_contact__phone",
        )
        .order_by("last_name", "first_name", "pk")
    )


def presence_entries(day: date, department: Department | None = None) -> list[PresenceEntry]:
    """Every active agent (of the department and its sub-services, if given) with their status on `day`:
    two queries (the agents, the absences covering the day), whatever the number of agents."""
    today = timezone.localdate()
    people = list(_people(department))
    ids = [p.pk for p in people]
    by_user: dict[int, list[Absence]] = {}
    if ids:
        rows = Absence.objects.covering(day).filter(user_id__in=ids).only("user_id", "end", "visibility")
        for absence in rows:
            by_user.setdefault(absence.user_id, []).append(absence)
    return [status_for(p, day, by_user.get(p.pk, []), today) for p in people]


def _chart() -> dict[int, Department]:
    return {d.pk: d for d in Department.objects.only("id", "name", "slug", "kind", "parent_id")}


def _path(chart, department_id) -> list[Department]:
    path = []
    while department_id is not None and department_id in chart and len(path) < 20:
        path.append(chart[department_id])
        department_id = chart[department_id].parent_id
    return list(reversed(path))


@dataclass
class PresencePage:
    day: date
    department: Department | None
    groups: list[DepartmentPresence]
    entries: list[PresenceEntry]
    sections: list[dict]

    @property
    def totals(self) -> dict[str, int]:
        return {s: sum(1 for e in self.entries if e.status == s) for s in PresenceStatus.values}


def presence_page(request, day: date, department: Department | None = None) -> PresencePage:
    """The page: agents grouped by department in chart order, plus the sections other apps register (the
    sites, from `rooms`). Three queries and what the sections need."""
    entries = presence_entries(day, department)
    chart = _chart()
    groups: dict[int | None, DepartmentPresence] = {}
    for entry in entries:
        key = entry.person.department_id
        if key not in groups:
            dept = chart.get(key) if key is not None else None
            groups[key] = DepartmentPresence(dept, _path(chart, key) if dept else [])
        groups[key].entries.append(entry)
    ordered = sorted(
        groups.values(),
        key=lambda g: (g.department is None, [d.name.lower() for d in g.path]),
    )
    sections = []
    for section in registry.presence_sections():
        ctx = section.context(request, day, entries)
        if ctx is not None:
            sections.append({"key": section.key, "template": section.template, "context": ctx})
    return PresencePage(day=day, department=department, groups=ordered, entries=entries, sections=sections)


def own_absences(user: User) -> list[Absence]:
    """The agent's current and future absences, reasons included: for the agent's own page only."""
    today = timezone.localdate()
    return list(Absence.objects.filter(user=user, end__gte=today).order_by("start", "end", "pk"))


def team_absences(department: Department, first: date, last: date) -> list[tuple[User, date, date, str]]:
    """Absences of the department's active agents (sub-services included) between `first` and `last`, as
    (agent, start, end, uid), for the team calendar. Only absences whose dates the agent shows; never the
    reason (not even fetched). Two queries."""
    people = {
        p.pk: p
        for p in User.objects.filter(_subtree_filter(department), is_active=True).only(
            "id", "username", "first_name", "last_name", "absent_until"
        )
    }
    out = []
    rows = (
        Absence.objects.overlapping(first, last)
        .filter(user_id__in=list(people), visibility=AbsenceVisibility.DATES)
        .only("id", "user_id", "start", "end")
    )
    for absence in rows:
        out.append((people[absence.user_id], absence.start, absence.end, f"absence-{absence.pk}"))
    today = timezone.localdate()
    for person in people.values():
        # The profile's « absent·e jusqu'au » has no first day: the calendar shows it from today.
        if person.absent_until and person.absent_until >= max(today, first):
            out.append((person, max(today, first), person.absent_until, f"absent-until-{person.pk}"))
    out.sort(key=lambda row: (row[1], row[0].last_name, row[0].pk))
    return out


def next_days(day: date) -> tuple[date, date]:
    """The previous and next working days, for the page's navigation."""
    prev, nxt = day - timedelta(days=1), day + timedelta(days=1)
    while prev.isoweekday() > 5:
        prev -= timedelta(days=1)
    while nxt.isoweekday() > 5:
        nxt += timedelta(days=1)
    return prev, nxt
