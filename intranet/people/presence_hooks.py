"""What people registers for presence and the org chart: the profile's manager chain, the sample pages of the
accessibility checks."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .orgchart import manager_chain


def chain_section(request, person):
    chain = manager_chain(person) if person.manager_id else []
    if not chain:
        return None
    return {"chain": chain, "department_slug": person.department.slug if person.department_id else ""}


def accessibility_pages(user):
    return [
        (reverse("presence:index"), _("Qui est là ?")),
        (reverse("presence:mine"), _("Ma semaine et mes absences")),
        (reverse("orgchart:index"), _("Organigramme")),
    ]
