from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from intranet.pagination import BoundedPageNumberPagination
from intranet.params import parse_optional_id

from .models import Department
from .queries import (
    MAX_QUERY_LENGTH,
    DirectoryFilters,
    department_detail,
    directory_queryset,
    person_queryset,
    profile_context,
)

router = Router(tags=["agents"])


class OrganisationOut(Schema):
    id: int
    name: str
    insee_code: str | None


class DepartmentOut(Schema):
    id: int
    name: str
    slug: str


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    job_title: str
    phone: str
    office: str
    employer: OrganisationOut | None
    department: DepartmentOut | None
    is_it_staff: bool
    language: str


@router.get("/me", response=MeOut, summary="L'agent connecté")
def me(request):
    user = request.auth
    user = get_user_model().objects.select_related("employer", "department").get(pk=user.pk)
    return {
        **{
            f: getattr(user, f)
            for f in ("id", "username", "first_name", "last_name", "email", "job_title", "phone", "office")
        },
        "employer": user.employer,
        "department": user.department,
        "is_it_staff": user.is_superuser,
        "language": request.LANGUAGE_CODE,
    }


# --- Directory ---------------------------------------------------------------------------------------------


class PersonRef(Schema):
    username: str
    full_name: str
    job_title: str

    @staticmethod
    def resolve_full_name(obj):
        return obj.get_full_name() or obj.username


class DepartmentRef(Schema):
    id: int
    name: str
    slug: str


class PersonOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    full_name: str
    job_title: str
    email: str
    phone: str
    mobile: str
    office: str
    department: DepartmentRef | None
    employer: OrganisationOut | None
    skills: list[str]
    absent_until: date | None

    @staticmethod
    def resolve_full_name(obj):
        return obj.get_full_name() or obj.username

    @staticmethod
    def resolve_skills(obj):
        # Read from the prefetch cache: no query per person.
        return sorted((t.name for t in obj.skills.all()), key=str.lower)

    @staticmethod
    def resolve_absent_until(obj):
        return obj.absent_until if obj.is_absent else None


class PersonDetailOut(PersonOut):
    """An agent's profile; `backup_contact` is only given during an absence."""

    what_i_do: str
    contact_me_for: str
    office_days: list[int]
    department_path: list[DepartmentRef]
    manager: PersonRef | None
    backup_contact: PersonRef | None
    direct_reports: list[PersonRef]
    colleagues: list[PersonRef]

    @staticmethod
    def resolve_office_days(obj):
        return sorted(obj.office_days or [])


class DepartmentListOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    parent_id: int | None
    organisation_id: int
    people: int


class DepartmentDetailOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    parent_id: int | None
    organisation: OrganisationOut
    description: str
    email: str
    phone: str
    head: PersonRef | None
    path: list[DepartmentRef]
    children: list[DepartmentRef]
    people: list[PersonRef]


@router.get(
    "/people",
    response=list[PersonOut],
    summary="Chercher dans l'annuaire",
    description=(
        "Les agents en poste qui correspondent à tous les mots de `q` (nom, fonction, compétence, service, "
        "employeur ; accents ignorés), au besoin dans un service (sous-services compris, par son "
        "identifiant `department`) ou chez un employeur (`employer`, par son numéro)."
    ),
)
@paginate(BoundedPageNumberPagination, page_size=20, max_page_size=100)
def people_list(request, q: str = "", department: str = "", employer: int | None = None):
    """Active agents matching every word of `q` (name, job, skill, department, employer; accents ignored),
    optionally within a department (its sub-services included, by slug) or an employer (by id)."""
    return directory_queryset(
        DirectoryFilters(
            q=" ".join(q.split())[:MAX_QUERY_LENGTH],
            department=department[:80],
            employer=parse_optional_id(employer, param="employer"),
        )
    )


@router.get("/people/{username}", response=PersonDetailOut, summary="Le profil d'un agent")
def people_detail(request, username: str):
    person = person_queryset().filter(username=username).first()
    if person is None:
        raise HttpError(404, _("Aucun agent en poste ne porte cet identifiant."))
    profile = profile_context(request, person, sections=False)
    # Served from this unsaved instance: the schema reads attributes, and the related agents shown are
    # only the active ones (a leaver stays in a manager or backup field until the next sync or edit).
    person.department_path = profile.path
    person.manager = profile.manager
    person.backup_contact = profile.backup if person.is_absent else None
    person.direct_reports = profile.reports
    person.colleagues = profile.colleagues
    return person


@router.get("/departments", response=list[DepartmentListOut], summary="Les services (liste à plat)")
def departments_list(request):
    """Every department with its parent's id, to rebuild the tree; one query."""
    return (
        Department.objects.annotate(people=Count("members", filter=Q(members__is_active=True)))
        .order_by("organisation_id", "name", "pk")
        .values("id", "name", "slug", "kind", "parent_id", "organisation_id", "people")
    )


@router.get("/departments/{slug}", response=DepartmentDetailOut, summary="Un service et ses agents")
def departments_detail(request, slug: str):
    department = Department.objects.select_related("organisation", "head").filter(slug=slug).first()
    if department is None:
        raise HttpError(404, _("Aucun service ne porte cet identifiant."))
    view = department_detail(department)
    return {
        **{f: getattr(department, f) for f in ("id", "name", "slug", "kind", "parent_id", "description")},
        "email": department.email,
        "phone": department.phone,
        "organisation": department.organisation,
        "head": view.head,
        "path": view.path,
        "children": view.children,
        "people": view.people,
    }
