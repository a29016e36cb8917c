from django.contrib.auth import get_user_model
from ninja import Router, Schema

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
