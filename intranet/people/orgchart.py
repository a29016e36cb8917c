"""Reads of the « Organigramme »: the department tree with heads and members, and an agent's manager chain.

A department's head is the one set on the department; when none is (the LDAP sync maps OUs to departments
but the directory has no « head » attribute), it is taken from the directory's managers: the member whose
own manager is outside the department and who manages the most people below it.
"""

from dataclasses import dataclass, field

from .models import Department, Organisation, User

MAX_CHAIN = 8


@dataclass
class ChartNode:
    department: Department
    head: User | None = None
    head_from_managers: bool = False
    members: list[User] = field(default_factory=list)
    children: list["ChartNode"] = field(default_factory=list)
    total: int = 0  # active agents in the department and below


@dataclass
class ChartOrganisation:
    organisation: Organisation
    roots: list[ChartNode] = field(default_factory=list)


_PERSON_FIELDS = ("id", "username", "first_name", "last_name", "job_title", "manager_id", "department_id")


def _infer_head(node: ChartNode, reports: dict[int, int]) -> User | None:
    member_ids = {m.pk for m in node.members}
    candidates = [m for m in node.members if m.manager_id not in member_ids and reports.get(m.pk)]
    if not candidates:
        return None
    return max(candidates, key=lambda m: (reports[m.pk], -m.pk))


def org_chart() -> list[ChartOrganisation]:
    """Organisations → departments → sub-departments, each with its head and active members: two queries
    (departments with their heads, agents), whatever the size of the chart."""
    departments = list(
        Department.objects.select_related("organisation", "head").only(
            "id",
            "name",
            "slug",
            "kind",
            "parent_id",
            "organisation__id",
            "organisation__name",
            "organisation__short_name",
            "organisation__is_host",
            "head__id",
            "head__username",
            "head__first_name",
            "head__last_name",
            "head__job_title",
            "head__is_active",
            "head__department_id",
        )
    )
    nodes = {d.pk: ChartNode(d) for d in departments}
    people = list(
        User.objects.filter(is_active=True, department__isnull=False)
        .only(*_PERSON_FIELDS)
        .order_by("last_name", "first_name", "pk")
    )
    reports: dict[int, int] = {}
    for person in people:
        if person.manager_id:
            reports[person.manager_id] = reports.get(person.manager_id, 0) + 1
        node = nodes.get(person.department_id)
        if node is not None:
            node.members.append(person)
    for node in nodes.values():
        parent = nodes.get(node.department.parent_id)
        if parent is not None and parent is not node:
            parent.children.append(node)
        head = node.department.head
        if head is not None and head.is_active:
            node.head = head
        else:
            node.head = _infer_head(node, reports)
            node.head_from_managers = node.head is not None
        if node.head is not None:
            node.members = [m for m in node.members if m.pk != node.head.pk]
    for node in nodes.values():
        node.children.sort(key=lambda n: n.department.name.lower())

    def total(node, depth=0) -> int:
        if depth > 20:  # a corrupted cycle: stop rather than recurse for ever
            return 0
        node.total = len(node.members) + (
            1 if node.head and node.head.department_id == node.department.pk else 0
        )
        node.total += sum(total(child, depth + 1) for child in node.children)
        return node.total

    orgs: dict[int, ChartOrganisation] = {}
    for node in nodes.values():
        if node.department.parent_id is None or node.department.parent_id not in nodes:
            org = node.department.organisation
            orgs.setdefault(org.pk, ChartOrganisation(org)).roots.append(node)
            total(node)
    for org in orgs.values():
        org.roots.sort(key=lambda n: (n.department.kind != "direction", n.department.name.lower()))
    return sorted(orgs.values(), key=lambda o: (not o.organisation.is_host, o.organisation.name.lower()))


def manager_chain(person: User) -> list[User]:
    """From the person's manager up to the top: one query (the chain is followed through joins), bounded
    and safe against a cycle in the directory's data."""
    related = "__".join(["manager"] * MAX_CHAIN)
    row = (
        User.objects.filter(pk=person.pk)
        .select_related(related)
        .only(
            *[
                f"{'__'.join(['manager'] * n)}__{f}"
                for n in range(1, MAX_CHAIN + 1)
                for f in ("id", "username", "first_name", "last_name", "job_title", "is_active", "manager_id")
            ],
            "id",
            "manager_id",
        )
        .first()
    )
    chain, seen, node, depth = [], {person.pk}, row, 0
    while node is not None and node.manager_id and node.manager_id not in seen and depth < MAX_CHAIN:
        node, depth = node.manager, depth + 1
        seen.add(node.pk)
        if node.is_active:
            chain.append(node)
    return chain
