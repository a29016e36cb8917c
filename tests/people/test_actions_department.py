"""Departments form a tree and each one carries the Django group through which rights are granted."""

import pytest
from django.core.exceptions import ValidationError

from intranet.people.actions import department_create, department_member_sync, department_update
from intranet.people.choices import DepartmentKind

pytestmark = pytest.mark.django_db


def test_department_create_makes_its_group(host_org):
    direction = department_create(
        name="Direction des ressources", organisation=host_org, kind=DepartmentKind.DIRECTION
    )
    service = department_create(name="Ressources humaines", organisation=host_org, parent=direction)
    assert service.group.name == "Ressources humaines [ressources-humaines]"
    assert service.ancestors() == [direction]


def test_department_cannot_become_its_own_descendant(host_org):
    direction = department_create(name="Direction générale", organisation=host_org)
    service = department_create(name="Communication", organisation=host_org, parent=direction)
    with pytest.raises(ValidationError) as exc:
        department_update(department=direction, parent=service)
    assert "sous-services" in str(exc.value)
    # A legal move is accepted and renames the group.
    department_update(department=service, name="Communication interne")
    service.group.refresh_from_db()
    assert service.group.name.startswith("Communication interne")


def test_member_sync_puts_agent_in_their_department_group_only(host_org, make_user):
    rh = department_create(name="Ressources humaines", organisation=host_org)
    fin = department_create(name="Finances", organisation=host_org)
    user = make_user(department=rh)
    department_member_sync(user=user)
    assert list(user.groups.all()) == [rh.group]
    user.department = fin
    department_member_sync(user=user)
    assert list(user.groups.all()) == [fin.group]


def test_only_one_host_organisation(host_org):
    from django.db import IntegrityError

    from intranet.people.models import Organisation

    with pytest.raises(IntegrityError):
        Organisation.objects.create(name="Autre", kind="other", is_host=True)
