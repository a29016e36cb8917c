"""Departments are served through the core's named team hooks (kind « department »): created, changed, roster
changed on an agent's move or deactivation, every department after an LDAP sync; only the provisioners
registered for departments are called (the GED's project provisioner never sees a department)."""

import pytest

from intranet import registry
from intranet.people.actions import department_create
from intranet.people.signals import directory_synced
from intranet.people.teams import department_teams

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self):
        self.calls = []

    def hook(self, name):
        def call(team, actor):
            self.calls.append((name, team))
            return {}

        return call

    def many(self, teams, actor):
        self.calls.append(("sync_rosters", list(teams)))

    def names(self):
        return [name for name, _team in self.calls]


@pytest.fixture
def recorder():
    departments, projects = Recorder(), Recorder()
    for key, rec, kind in (
        ("test.department", departments, "department"),
        ("test.project", projects, "project"),
    ):
        registry.register_team_provisioner(
            key=key,
            create=rec.hook("create"),
            sync_roster=rec.hook("sync_roster"),
            sync_rosters=rec.many if kind == "department" else None,
            close=rec.hook("close"),
            reopen=rec.hook("reopen"),
            changed=rec.hook("changed"),
            kinds=(kind,),
        )
    yield departments, projects
    registry.unregister_team_provisioner("test.department")
    registry.unregister_team_provisioner("test.project")


def _rosters(calls):
    return {team.source_id: team.members for _name, teams in calls for team in _as_list(teams)}


def _as_list(teams):
    return teams if isinstance(teams, list) else [teams]


def test_a_department_s_life_reaches_the_department_hooks_only(recorder, host_org, make_user):
    departments, projects = recorder
    it = department_create(name="Service informatique", organisation=host_org)
    assert departments.names() == ["create"]
    team = departments.calls[0][1]
    assert (team.kind, team.key, team.source_id, team.members) == (
        "department",
        f"people.department:{it.pk}",
        it.pk,
        {},
    )
    assert team.visibility == "private" and not team.closed

    departments.calls.clear()
    agent = make_user("tech.un", department=it)
    assert departments.names() == ["sync_rosters"]
    assert _rosters(departments.calls) == {it.pk: {agent.pk: "contributor"}}

    departments.calls.clear()
    it.head = agent
    it.name = "Direction du numérique"
    it.save()
    assert departments.names() == ["changed"]
    team = departments.calls[0][1]
    assert team.name == "Direction du numérique" and team.members == {agent.pk: "manager"}

    # The GED, chat's project salons and any other project provisioner never see a department.
    assert projects.calls == []


def test_an_agent_who_moves_or_leaves_updates_both_rosters(recorder, host_org, make_user):
    departments, _projects = recorder
    it = department_create(name="Service informatique", organisation=host_org)
    rh = department_create(name="Ressources humaines", organisation=host_org)
    agent = make_user("mobile", department=it)
    departments.calls.clear()

    agent.department = rh
    agent.save()
    assert _rosters(departments.calls) == {it.pk: {}, rh.pk: {agent.pk: "contributor"}}

    departments.calls.clear()
    agent.first_name = "Maxime"
    agent.save()  # neither the department nor the active flag changed
    agent.save(update_fields=["first_name"])
    assert departments.calls == []

    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert _rosters(departments.calls) == {rh.pk: {}}


def test_the_department_group_s_members_count_and_a_directory_sync_syncs_every_department(
    recorder, host_org, make_user
):
    departments, _projects = recorder
    it = department_create(name="Service informatique", organisation=host_org)
    rh = department_create(name="Ressources humaines", organisation=host_org)
    guest = make_user("renfort")
    guest.groups.add(it.group)
    departments.calls.clear()

    directory_synced.send(sender=None, report=None)
    assert departments.names() == ["sync_rosters"]
    assert _rosters(departments.calls) == {it.pk: {guest.pk: "contributor"}, rh.pk: {}}


def test_department_teams_cost_three_queries_whatever_their_size(
    host_org, make_user, django_assert_num_queries
):
    departments = [department_create(name=f"Service {i}", organisation=host_org) for i in range(3)]
    for i in range(30):
        make_user(f"a{i}", department=departments[i % 3])
    with django_assert_num_queries(3):
        teams = department_teams()
    assert sorted(len(team.members) for team in teams) == [10, 10, 10]
