"""Salons: project, open, direct; moderators manage members; archiving; retention."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chat.actions import (
    ensure_open_salons,
    membership_add,
    membership_remove,
    membership_set_role,
    message_post,
    messages_purge_expired,
    salon_create,
    salon_direct_open,
    salon_join,
    salon_leave,
    salon_update,
)
from chat.choices import MemberRole, SalonKind
from chat.models import Membership, Message, Salon

pytestmark = pytest.mark.django_db


def test_project_salon_creator_moderates(agent, colleague):
    salon = salon_create(name="  Projet   PLUi ", creator=agent, members=[colleague])
    assert salon.name == "Projet PLUi" and salon.kind == SalonKind.PROJECT
    roles = dict(Membership.objects.filter(salon=salon).values_list("user__username", "role"))
    assert roles == {"marie.dupont": MemberRole.MODERATOR, "paul.dewitte": MemberRole.MEMBER}


def test_salon_without_name_is_refused(agent):
    with pytest.raises(ValidationError):
        salon_create(name="  ", creator=agent)
    assert not Salon.objects.exists()


def test_department_salons_are_not_created_by_hand(agent):
    with pytest.raises(ValidationError):
        salon_create(name="Faux service", creator=agent, kind=SalonKind.DEPARTMENT)


def test_open_salons_exist_once_and_anyone_joins(agent, outsider):
    salons = ensure_open_salons()
    assert [s.name for s in salons] == ["Entraide informatique", "Covoiturage"]
    assert len(ensure_open_salons()) == 2 and Salon.objects.count() == 2
    salon_join(salon=salons[0], user=outsider)
    salon_join(salon=salons[0], user=outsider)
    assert Membership.objects.filter(salon=salons[0]).count() == 1


def test_project_salon_cannot_be_joined_without_invitation(project_salon, outsider):
    with pytest.raises(PermissionDenied):
        salon_join(salon=project_salon, user=outsider)


def test_direct_conversation_is_unique_per_pair(agent, colleague):
    first = salon_direct_open(user=agent, other=colleague)
    again = salon_direct_open(user=colleague, other=agent)
    assert first.pk == again.pk and first.kind == SalonKind.DIRECT
    assert Membership.objects.filter(salon=first).count() == 2
    with pytest.raises(ValidationError):
        salon_direct_open(user=agent, other=agent)


def test_direct_message_notifies_the_other_agent(agent, colleague):
    from intranet.notifications.models import Notification

    salon = salon_direct_open(user=agent, other=colleague)
    message_post(salon=salon, author=agent, text="Tu as deux minutes ?")
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["paul.dewitte"]


def test_moderator_adds_and_removes_members(project_salon, agent, outsider):
    membership_add(salon=project_salon, user=outsider, actor=agent)
    assert Membership.objects.filter(salon=project_salon, user=outsider).exists()
    membership_remove(salon=project_salon, user=outsider, actor=agent)
    assert not Membership.objects.filter(salon=project_salon, user=outsider).exists()


def test_member_cannot_manage_members(project_salon, colleague, outsider):
    with pytest.raises(PermissionDenied):
        membership_add(salon=project_salon, user=outsider, actor=colleague)
    assert not Membership.objects.filter(user=outsider).exists()


def test_last_moderator_stays(project_salon, agent, colleague):
    with pytest.raises(ValidationError):
        membership_set_role(salon=project_salon, user=agent, actor=agent, role=MemberRole.MEMBER)
    membership_set_role(salon=project_salon, user=colleague, actor=agent, role=MemberRole.MODERATOR)
    membership_set_role(salon=project_salon, user=agent, actor=agent, role=MemberRole.MEMBER)
    assert Membership.objects.get(user=agent).role == MemberRole.MEMBER


def test_member_leaves_a_project_salon(project_salon, colleague):
    salon_leave(salon=project_salon, user=colleague)
    assert not Membership.objects.filter(user=colleague).exists()


def test_retention_purges_only_old_messages_of_salons_with_a_retention(project_salon, agent):
    old = message_post(salon=project_salon, author=agent, text="Ancien")
    recent = message_post(salon=project_salon, author=agent, text="Récent")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert messages_purge_expired() == 0  # default: keep everything
    salon_update(salon=project_salon, actor=agent, name=project_salon.name, retention_days=30)
    assert messages_purge_expired() == 1
    assert list(Message.objects.values_list("pk", flat=True)) == [recent.pk]


def test_retention_must_be_positive(project_salon, agent):
    with pytest.raises(ValidationError):
        salon_update(salon=project_salon, actor=agent, name="x", retention_days=0)
