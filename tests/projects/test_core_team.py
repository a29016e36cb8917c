"""A workspace's roster is a core team (intranet.people Team, one TeamGroup per role): creating the workspace
makes the team and its three groups, every member sits in exactly the group of their role, leavers in none."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intranet import registry
from intranet.people import team_groups
from intranet.people.models import Team, TeamGroup
from projects.actions import member_remove, member_set, team_of, workspace_update
from projects.choices import MemberRole

pytestmark = pytest.mark.django_db


def _groups_of(user, ws) -> set[str]:
    return set(user.groups.filter(team_role__team=ws.team).values_list("name", flat=True))


def test_creating_a_workspace_creates_its_core_team(make_workspace, lead, colleague, outsider):
    ws = make_workspace(name="Voie verte", members={colleague: MemberRole.READER})
    team = Team.objects.get(workspace=ws)
    assert (team.key, team.name, team.kind) == (f"projects.workspace:{ws.pk}", "Voie verte", "project")
    assert team.key == ws.team_key
    by_role = {tg.role: tg.group for tg in team.role_groups.select_related("group")}
    assert {role: group.name for role, group in by_role.items()} == {
        "reader": f"projet:{ws.pk}:reader",
        "contributor": f"projet:{ws.pk}:contributor",
        "manager": f"projet:{ws.pk}:manager",
    }
    assert set(by_role["manager"].user_set.all()) == {lead}
    assert set(by_role["reader"].user_set.all()) == {colleague}
    assert not by_role["contributor"].user_set.exists()
    assert _groups_of(outsider, ws) == set()
    # The provisioners see the same groups.
    assert team_of(ws).groups == by_role


def test_a_role_change_moves_the_member_and_a_removal_empties_their_group(make_workspace, lead, colleague):
    ws = make_workspace(members={colleague: MemberRole.READER})
    member_set(workspace=ws, user=colleague, role=MemberRole.CONTRIBUTOR, actor=lead)
    assert _groups_of(colleague, ws) == {f"projet:{ws.pk}:contributor"}
    member_remove(workspace=ws, user=colleague, actor=lead)
    assert _groups_of(colleague, ws) == set()
    assert not Group.objects.get(name=f"projet:{ws.pk}:contributor").user_set.exists()
    assert _groups_of(lead, ws) == {f"projet:{ws.pk}:manager"}


def test_renaming_the_workspace_renames_its_team(make_workspace, lead):
    ws = make_workspace(name="Ancien nom")
    workspace_update(workspace=ws, actor=lead, name="Nouveau nom")
    assert Team.objects.get(pk=ws.team_id).name == "Nouveau nom"


def test_a_failed_creation_leaves_no_team_nor_group(make_workspace):
    def boom(team, actor):
        raise RuntimeError("provisioner down")

    registry.register_team_provisioner(
        key="zz_failing", create=boom, sync_roster=boom, close=boom, reopen=boom, order=999
    )
    try:
        teams, groups = Team.objects.count(), Group.objects.count()
        with pytest.raises(RuntimeError):
            make_workspace()
        assert (Team.objects.count(), Group.objects.count()) == (teams, groups)
    finally:
        registry.unregister_team_provisioner("zz_failing")


def test_core_team_create_and_put_in_role_group(make_user):
    agent = make_user()
    team = team_groups.team_reserve(name="Équipe", kind="project")
    team_groups.team_provision(team, key="tests.team:1", group_name=lambda role: f"tests:1:{role}")
    assert sorted(team.role_groups.values_list("role", flat=True)) == ["contributor", "manager", "reader"]
    team_groups.put_in_role_group(team.pk, agent, "manager")
    team_groups.put_in_role_group(team.pk, agent, "reader")
    assert set(agent.groups.values_list("name", flat=True)) == {"tests:1:reader"}
    team_groups.put_in_role_group(team.pk, agent, None)
    assert not agent.groups.exists()
    with pytest.raises(ValueError):
        team_groups.put_in_role_group(team.pk, agent, "owner")
    assert TeamGroup.objects.filter(team=team).count() == 3


def test_the_team_costs_the_same_queries_whatever_the_roster(make_workspace, make_user):
    """The team, its three groups and their rows cost a fixed number of queries, whatever the roster."""

    def team_queries(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            make_workspace(**kwargs)
        return [q["sql"] for q in captured.captured_queries if "people_team" in q["sql"]]

    alone = team_queries(name="Un")
    crowded = team_queries(name="Deux", members={make_user(): MemberRole.CONTRIBUTOR for _ in range(3)})
    assert len(alone) == len(crowded)


def test_the_team_admin_is_read_only(client, make_user, make_workspace):
    ws = make_workspace()
    client.force_login(make_user("it.admin", superuser=True))
    assert client.get("/django-admin/people/team/").status_code == 200
    page = client.get(f"/django-admin/people/team/{ws.team_id}/change/")
    assert page.status_code == 200
    assert f"projet:{ws.pk}:manager" in page.content.decode()
    assert client.get("/django-admin/people/team/add/").status_code == 403


def test_the_previous_release_s_workers_find_their_roster_groups(make_workspace, colleague):
    """For one release (rolling upgrades), a new workspace's groups are RosterGroup rows too, the same."""
    from projects.models import RosterGroup

    ws = make_workspace(members={colleague: MemberRole.READER})
    assert dict(RosterGroup.objects.filter(workspace=ws).values_list("role", "group_id")) == dict(
        ws.team.role_groups.values_list("role", "group_id")
    )


def test_a_workspace_made_by_the_previous_release_is_adopted_by_a_core_team(make_workspace, lead, colleague):
    """The previous release's code, still serving during an upgrade, makes a workspace (its space, salon and
    RosterGroup rows) without a core team: its first roster change gives it a team holding those groups."""
    from projects.models import RosterGroup, Workspace

    ws = make_workspace(name="Projet d'avant")
    groups = dict(RosterGroup.objects.filter(workspace=ws).values_list("role", "group_id"))
    team_id = ws.team_id
    # What the previous release leaves: the same rows, no team.
    Workspace.objects.filter(pk=ws.pk).update(team=None)
    TeamGroup.objects.filter(team_id=team_id).delete()
    Team.objects.filter(pk=team_id).delete()
    ws = Workspace.objects.get(pk=ws.pk)
    assert ws.team_id is None

    member_set(workspace=ws, user=colleague, role=MemberRole.CONTRIBUTOR, actor=lead, notify_member=False)
    ws.refresh_from_db()
    assert ws.team is not None and ws.team.key == f"projects.workspace:{ws.pk}"
    assert dict(TeamGroup.objects.filter(team=ws.team).values_list("role", "group_id")) == groups
    assert Group.objects.get(pk=groups["contributor"]).user_set.filter(pk=colleague.pk).exists()
