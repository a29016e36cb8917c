"""Reads of the « who does what » directory: search, profile, organisation tree, department page."""

import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from intranet import registry

from .models import Department, Organisation, User
from .presence import with_absence_today

DIRECTORY_PAGE_SIZE = getattr(settings, "DIRECTORY_PAGE_SIZE", 20)
MAX_QUERY_LENGTH = 100
MAX_TERMS = 6

# Accent-insensitive matching without a database extension (no `unaccent` on SQLite) and without a
# normalised column (the models are not ours to change): each letter of the query, stripped of its accents,
# becomes a character class of its accented forms, in both cases so that PostgreSQL's `~*` does not depend
# on the database's ctype for non-ASCII letters.
_VARIANTS = {
    "a": "aàâäáãå",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "n": "nñ",
    "o": "oôöóòõ",
    "u": "uùûüú",
    "y": "yÿý",
}
_APOSTROPHES = "'’"


_LIGATURES = {"œ": "oe", "æ": "ae"}


def fold(text: str) -> str:
    """Lower case without accents nor ligatures: « Hélène » → « helene », « Cœur » → « coeur »."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    for ligature, letters in _LIGATURES.items():
        folded = folded.replace(ligature, letters)
    return folded


def _char_class(char: str) -> str:
    if char in _VARIANTS:
        variants = _VARIANTS[char]
        return f"[{variants}{variants.upper()}]"
    if char in _APOSTROPHES:
        return f"[{_APOSTROPHES}]"
    if char.isalnum():
        return char
    return "\\" + char  # a backslash before punctuation means the character itself in both dialects


def accent_pattern(term: str) -> str:
    """A regular expression, valid for both Python's `re` (SQLite) and PostgreSQL, that finds `term`
    whatever its accents, ligatures and case."""
    folded, out, i = fold(term), [], 0
    while i < len(folded):
        pair = folded[i : i + 2]
        ligature = next((lig for lig, letters in _LIGATURES.items() if letters == pair), None)
        if ligature:
            out.append(f"(?:{_char_class(pair[0])}{_char_class(pair[1])}|[{ligature}{ligature.upper()}])")
            i += 2
        else:
            out.append(_char_class(folded[i]))
            i += 1
    return "".join(out)


def search_terms(q: str) -> list[str]:
    return [t for t in (q or "")[:MAX_QUERY_LENGTH].split() if t][:MAX_TERMS]


@dataclass(frozen=True)
class DirectoryFilters:
    q: str = ""
    department: str = ""  # slug; people of its sub-services are included
    employer: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.department or self.employer)


def _term_condition(term: str) -> Q:
    pattern = accent_pattern(term)
    # Skills go through a subquery: a join on the tags would repeat an agent once per matching skill.
    with_skill = User.objects.filter(skills__name__iregex=pattern).values("pk")
    return (
        Q(first_name__iregex=pattern)
        | Q(last_name__iregex=pattern)
        | Q(username__iregex=pattern)
        | Q(job_title__iregex=pattern)
        | Q(what_i_do__iregex=pattern)
        | Q(department__name__iregex=pattern)
        | Q(department__parent__name__iregex=pattern)
        | Q(employer__name__iregex=pattern)
        | Q(employer__short_name__iregex=pattern)
        | Q(pk__in=with_skill)
    )


def directory_queryset(filters: DirectoryFilters) -> QuerySet[User]:
    """Active agents matching every term of the query (each term in any field) and the filters."""
    qs = User.objects.filter(is_active=True)
    for term in search_terms(filters.q):
        qs = qs.filter(_term_condition(term))
    if filters.department:
        # The chart is at most a few levels deep: three joins cover direction → service → unit.
        slug = filters.department
        qs = qs.filter(
            Q(department__slug=slug)
            | Q(department__parent__slug=slug)
            | Q(department__parent__parent__slug=slug)
        )
    if filters.employer:
        qs = qs.filter(employer_id=filters.employer)
    return with_absence_today(
        qs.select_related("department", "department__parent", "employer", "backup_contact")
        .prefetch_related("skills")
        .order_by("last_name", "first_name", "pk")
    )


def directory_page(filters: DirectoryFilters, page_number) -> Page:
    """One page of the directory: one COUNT, one SELECT, one prefetch of the page's skills."""
    return Paginator(directory_queryset(filters), DIRECTORY_PAGE_SIZE).get_page(page_number)


def department_choices() -> list[tuple[str, str]]:
    """(slug, « Direction › Service ») for the filter, in tree order; one query."""
    nodes = _department_nodes(Department.objects.select_related("organisation"))
    out = []

    def walk(node, label):
        out.append((node.department.slug, label))
        for child in node.children:
            walk(child, f"{label} › {child.department.name}")

    for org in _organisation_tree(nodes):
        for root in org.roots:
            walk(root, root.department.name)
    return out


def employer_choices() -> list[Organisation]:
    """Employers that have at least one active agent; one query."""
    return list(Organisation.objects.filter(agents__is_active=True).distinct().order_by("-is_host", "name"))


# --- Organisation tree -------------------------------------------------------------------------------------


@dataclass
class DepartmentNode:
    department: Department
    children: list["DepartmentNode"] = field(default_factory=list)
    people: int = 0


@dataclass
class OrganisationNode:
    organisation: Organisation
    roots: list[DepartmentNode] = field(default_factory=list)


def _department_nodes(queryset) -> dict[int, DepartmentNode]:
    nodes = {d.pk: DepartmentNode(d, people=getattr(d, "people", 0)) for d in queryset}
    for node in nodes.values():
        parent = nodes.get(node.department.parent_id)
        if parent is not None:
            parent.children.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.department.name.lower())
    return nodes


def _organisation_tree(nodes: dict[int, DepartmentNode]) -> list[OrganisationNode]:
    orgs: dict[int, OrganisationNode] = {}
    for node in nodes.values():
        if node.department.parent_id is None or node.department.parent_id not in nodes:
            org = node.department.organisation
            orgs.setdefault(org.pk, OrganisationNode(org)).roots.append(node)
    for org in orgs.values():
        # Directions before stand-alone services, then by name.
        org.roots.sort(key=lambda n: (n.department.kind != "direction", n.department.name.lower()))
    return sorted(orgs.values(), key=lambda o: (not o.organisation.is_host, o.organisation.name.lower()))


def organisation_tree() -> list[OrganisationNode]:
    """Organisations → directions → services with their number of active agents, from one query."""
    qs = Department.objects.select_related("organisation").annotate(
        people=Count("members", filter=Q(members__is_active=True))
    )
    return _organisation_tree(_department_nodes(qs))


# --- Department page ---------------------------------------------------------------------------------------


@dataclass
class DepartmentView:
    department: Department
    path: list[Department]  # from the root down to the department itself
    children: list[Department]
    people: list[User]
    head: User | None


def _chart() -> dict[int, Department]:
    """The whole organisation chart, a few dozen light rows: one query."""
    return {d.pk: d for d in Department.objects.only("id", "name", "slug", "kind", "parent_id")}


def _path(chart: dict[int, Department], department_id: int | None) -> list[Department]:
    """From the root down to the department; bounded in case of a corrupted cycle."""
    path = []
    while department_id is not None and department_id in chart and len(path) < 20:
        path.append(chart[department_id])
        department_id = chart[department_id].parent_id
    return list(reversed(path))


def department_detail(department: Department) -> DepartmentView:
    """Path, sub-services and active members of a department: two queries (the chart, the members)."""
    chart = _chart()
    children = sorted(
        (d for d in chart.values() if d.parent_id == department.pk), key=lambda d: d.name.lower()
    )
    people = list(
        with_absence_today(User.objects.filter(is_active=True, department=department))
        .select_related("employer", "backup_contact")
        .only(
            "id",
            "username",
            "first_name",
            "last_name",
            "job_title",
            "absent_until",
            "phone",
            "email",
            "employer__name",
            "employer__short_name",
            "backup_contact__id",
            "backup_contact__username",
            "backup_contact__first_name",
            "backup_contact__last_name",
            "backup_contact__is_active",
        )
        .order_by("last_name", "first_name", "pk")
    )
    head = department.head if department.head_id and department.head.is_active else None
    return DepartmentView(
        department=department, path=_path(chart, department.pk), children=children, people=people, head=head
    )


# --- Profile -----------------------------------------------------------------------------------------------


@dataclass
class Profile:
    person: User
    path: list[Department]
    manager: User | None
    backup: User | None
    reports: list[User]
    colleagues: list[User]
    skills: list[str]
    sections: list[dict]


def person_queryset() -> QuerySet[User]:
    return with_absence_today(
        User.objects.filter(is_active=True)
        .select_related("department", "employer", "manager", "backup_contact")
        .prefetch_related("skills")
    )


def profile_context(request, person: User, *, sections: bool = True) -> Profile:
    """Everything the profile page shows. The person comes from `person_queryset()`; the rest costs the chart
    (one query) and the team (one query), plus what registered sections need."""
    path = _path(_chart(), person.department_id) if person.department_id else []
    team_filter = Q(manager=person)
    if person.department_id:
        team_filter |= Q(department_id=person.department_id)
    team = list(
        User.objects.filter(team_filter, is_active=True)
        .exclude(pk=person.pk)
        .only("id", "username", "first_name", "last_name", "job_title", "manager_id", "department_id")
        .order_by("last_name", "first_name", "pk")
    )
    reports = [u for u in team if u.manager_id == person.pk]
    colleagues = [u for u in team if u.manager_id != person.pk]
    manager = person.manager if person.manager_id and person.manager.is_active else None
    backup = person.backup_contact if person.backup_contact_id and person.backup_contact.is_active else None
    shown = []
    for section in registry.profile_sections() if sections else []:
        ctx = section.context(request, person)
        if ctx is not None:
            shown.append({"key": section.key, "template": section.template, "context": ctx})
    return Profile(
        person=person,
        path=path,
        manager=manager,
        backup=backup,
        reports=reports,
        colleagues=colleagues,
        skills=sorted((t.name for t in person.skills.all()), key=str.lower),
        sections=shown,
    )


def active_agents_for_choice(exclude: User | None = None) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True).only("id", "username", "first_name", "last_name")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("last_name", "first_name", "pk")
