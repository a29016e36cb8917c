"""Department salons follow the departments' members: after an LDAP-style bulk change, a leaver, a move."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.actions import salon_department_sync
from chat.choices import MemberRole, SalonKind
from chat.models import Membership, Salon
from intranet.people.models import User

pytestmark = pytest.mark.django_db


def _members(salon):
    return set(Membership.objects.filter(salon=salon).values_list("user__username", flat=True))


def test_one_salon_per_department_with_its_agents_and_head_as_moderator(department, make_user):
    it = department()
    head = make_user("chef.info", department=it)
    make_user("tech.one", department=it)
    make_user("ailleurs")
    it.head = head
    it.save()
    # The core's team hooks made the salon with the department and keep it in step, in the same transaction.
    salon = Salon.objects.get(kind=SalonKind.DEPARTMENT, department=it)
    assert salon.name == "Service informatique"
    assert _members(salon) == {"chef.info", "tech.one"}
    assert Membership.objects.get(salon=salon, user=head).role == MemberRole.MODERATOR
    assert salon_department_sync() == {
        "salons_created": 0,
        "members_added": 0,
        "members_removed": 0,
        "roles_changed": 0,
    }
    # A salon lost (deleted by hand) comes back with the sync command.
    salon.delete()
    assert salon_department_sync()["salons_created"] == 1
    assert _members(Salon.objects.get(kind=SalonKind.DEPARTMENT, department=it)) == {"chef.info", "tech.one"}


def test_sync_is_idempotent_and_set_based(department, make_user):
    departments = [department(name=f"Service {i}", slug=f"s{i}") for i in range(3)]
    for i in range(12):
        make_user(f"a{i}", department=departments[i % 3])
    salon_department_sync()
    with CaptureQueriesContext(connection) as ctx:
        report = salon_department_sync()
    assert report == {"salons_created": 0, "members_added": 0, "members_removed": 0, "roles_changed": 0}
    small = len(ctx.captured_queries)
    for i in range(12, 40):
        make_user(f"a{i}", department=departments[i % 3])
    salon_department_sync()
    with CaptureQueriesContext(connection) as ctx:
        salon_department_sync()
    # Same number whatever the number of agents: departments, their agents, their groups' members (the
    # core's department teams), salons, memberships, plus the transaction's savepoint and its release.
    assert len(ctx.captured_queries) == small == 7


def test_bulk_department_change_like_the_ldap_sync_is_caught_up(department, make_user):
    """The LDAP sync writes with bulk updates (no signals): the sync command brings salons in line."""
    it, rh = department(), department(name="Ressources humaines", slug="rh")
    mover = make_user("mover", department=it)
    salon_department_sync()
    User.objects.filter(pk=mover.pk).update(department=rh)
    report = salon_department_sync()
    assert report["members_added"] == 1 and report["members_removed"] == 1
    assert "mover" in _members(Salon.objects.get(department=rh))
    assert "mover" not in _members(Salon.objects.get(department=it))


def test_department_group_members_are_in_the_salon(department, make_user):
    it = department()
    guest = make_user("renfort")
    guest.groups.add(it.group)
    salon_department_sync()
    assert _members(Salon.objects.get(department=it)) == {"renfort"}


def test_leaver_vanishes_from_every_salon(department, make_user, django_capture_on_commit_callbacks):
    from chat.actions import ensure_open_salons, salon_join
    from intranet.people.leavers import user_deactivate

    it = department()
    leaver = make_user("depart", department=it)
    salon_department_sync()
    salon_join(salon=ensure_open_salons()[0], user=leaver)
    assert Membership.objects.filter(user=leaver).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(user=leaver, reason="ldap_absent")
    assert not Membership.objects.filter(user=leaver).exists()
    # A later sync does not bring them back.
    assert salon_department_sync()["members_added"] == 0


def test_saving_an_agent_with_a_new_department_moves_them(
    department, make_user, django_capture_on_commit_callbacks
):
    it, rh = department(), department(name="Ressources humaines", slug="rh")
    with django_capture_on_commit_callbacks(execute=True):
        agent = make_user("mobile", department=it)
    assert "mobile" in _members(Salon.objects.get(department=it))
    agent.department = rh
    with django_capture_on_commit_callbacks(execute=True):
        agent.save()
    assert "mobile" in _members(Salon.objects.get(department=rh))
    assert "mobile" not in _members(Salon.objects.get(department=it))
