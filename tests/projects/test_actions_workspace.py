"""Workspaces: one transaction makes the roster groups, the GED space, the salon and the first board; roster
changes, closing and reopening reach the space's grants and the salon through the team provisioners."""

import pytest
from django.core.exceptions import ValidationError

from chat.models import Membership, Salon
from ged.choices import Role
from ged.models import FolderGroupObjectPermission, Space
from ged.permissions import folder_access, forget_grants
from intranet import registry
from projects.actions import member_remove, member_set, workspace_close, workspace_reopen
from projects.choices import MemberRole, Visibility
from projects.models import Board, Member, Workspace

pytestmark = pytest.mark.django_db


def _space(ws):
    return Space.objects.select_related("root").get(pk=ws.refs["ged"]["space_id"])


def _salon(ws):
    return Salon.objects.get(pk=ws.refs["chat"]["salon_id"])


def _ged_role(user, ws):
    forget_grants(user)
    user = type(user).objects.get(pk=user.pk)  # fresh group memberships
    space = _space(ws)
    return folder_access(user, space.root).role


def test_creation_provisions_space_salon_and_board(make_workspace, lead, colleague):
    """The lead is « responsable »: manager of the space, moderator of the salon; the board has columns."""
    ws = make_workspace(members={colleague: MemberRole.READER}, visibility=Visibility.SECRET)
    space = _space(ws)
    assert space.policy == "secret"
    grants = {
        g.group.name: g.permission.codename
        for g in FolderGroupObjectPermission.objects.filter(content_object=space.root).select_related(
            "group", "permission"
        )
    }
    assert grants == {
        f"projet:{ws.pk}:reader": "role_reader",
        f"projet:{ws.pk}:contributor": "role_editor",
        f"projet:{ws.pk}:manager": "role_manager",
    }
    assert _ged_role(lead, ws) == Role.MANAGER
    assert _ged_role(colleague, ws) == Role.READER
    salon = _salon(ws)
    assert salon.kind == "project"
    assert dict(Membership.objects.filter(salon=salon).values_list("user__username", "role")) == {
        "claire.lead": "moderator",
        "paul.collegue": "member",
    }
    board = Board.objects.get(workspace=ws)
    assert list(board.columns.values_list("name", flat=True)) == ["À faire", "En cours", "Terminé"]


def test_a_failing_provisioner_leaves_nothing(make_workspace, monkeypatch):
    """A hook that fails after the space and salon were made: the workspace, space, salon and board vanish."""

    def boom(team, actor):
        raise RuntimeError("provisioner down")

    registry.register_team_provisioner(
        key="zz_failing", create=boom, sync_roster=boom, close=boom, reopen=boom, order=999
    )
    try:
        spaces, salons = Space.objects.count(), Salon.objects.count()
        with pytest.raises(RuntimeError):
            make_workspace()
        assert Workspace.objects.count() == 0
        assert Board.objects.count() == 0
        assert (Space.objects.count(), Salon.objects.count()) == (spaces, salons)
    finally:
        registry._registry.team_provisioners.pop("zz_failing")
    make_workspace()  # the same call without the failing hook succeeds
    assert Workspace.objects.count() == 1


def test_roster_changes_reach_grants_and_salon(make_workspace, lead, colleague):
    ws = make_workspace()
    assert _ged_role(colleague, ws) is None
    member_set(workspace=ws, user=colleague, role=MemberRole.CONTRIBUTOR, actor=lead)
    assert _ged_role(colleague, ws) == Role.EDITOR
    assert Membership.objects.filter(salon=_salon(ws), user=colleague, role="member").exists()
    member_set(workspace=ws, user=colleague, role=MemberRole.MANAGER, actor=lead)
    assert _ged_role(colleague, ws) == Role.MANAGER
    assert Membership.objects.get(salon=_salon(ws), user=colleague).role == "moderator"
    member_remove(workspace=ws, user=colleague, actor=lead)
    assert _ged_role(colleague, ws) is None
    assert not Membership.objects.filter(salon=_salon(ws), user=colleague).exists()
    assert not Member.objects.filter(workspace=ws, user=colleague).exists()


def test_last_responsable_cannot_leave(make_workspace, lead, colleague):
    ws = make_workspace()
    with pytest.raises(ValidationError, match="au moins un responsable"):
        member_remove(workspace=ws, user=lead, actor=lead)
    member_set(workspace=ws, user=colleague, role=MemberRole.MANAGER, actor=lead)
    member_remove(workspace=ws, user=lead, actor=colleague)  # with another responsable, it works
    assert _ged_role(lead, ws) is None


def test_close_makes_space_read_only_archives_salon_and_reopen_reverses(make_workspace, lead, colleague):
    ws = make_workspace(members={colleague: MemberRole.CONTRIBUTOR})
    workspace_close(workspace=ws, actor=lead)
    assert _ged_role(lead, ws) == Role.READER
    assert _ged_role(colleague, ws) == Role.READER
    assert _salon(ws).archived
    ws.refresh_from_db()
    with pytest.raises(ValidationError, match="clos"):
        member_set(workspace=ws, user=colleague, role=MemberRole.READER, actor=lead)
    workspace_reopen(workspace=ws, actor=lead)
    ws.refresh_from_db()
    assert ws.status == "cadrage"
    assert _ged_role(lead, ws) == Role.MANAGER
    assert _ged_role(colleague, ws) == Role.EDITOR
    assert not _salon(ws).archived
