"""Migration projects 0004: the RosterGroup rows of existing workspaces become core teams (same groups, same
roles) and come back as RosterGroup rows when the migration is reversed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from projects.choices import MemberRole

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("projects", "0003_card_links")]
ROLES = ("reader", "contributor", "manager")


def _migrate(targets):
    """Migrate to `targets` and return the historical models of every migration then applied."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor = MigrationExecutor(connection)  # a fresh loader: the applied migrations changed
    return executor._create_project_state(with_applied_migrations=True).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_roster_groups_move_to_core_teams_and_back(make_workspace, lead, colleague):
    from intranet.people.models import Team, TeamGroup
    from projects.models import Workspace

    latest = _latest()
    made = make_workspace(name="Créé avant le retour", members={colleague: MemberRole.READER})
    made_groups = dict(made.team.role_groups.values_list("role", "group_id"))
    try:
        old = _migrate(BEFORE)
        RosterGroup = old.get_model("projects", "RosterGroup")
        assert dict(RosterGroup.objects.filter(workspace_id=made.pk).values_list("role", "group_id")) == (
            made_groups
        )
        assert not Team.objects.filter(key=f"projects.workspace:{made.pk}").exists()

        # A workspace of the old schema, with its roster groups.
        OldWorkspace = old.get_model("projects", "Workspace")
        OldGroup = old.get_model("auth", "Group")
        legacy = OldWorkspace.objects.create(name="Ancien projet", lead_id=lead.pk)
        legacy_groups = {}
        for role in ROLES:
            group = OldGroup.objects.create(name=f"projet:{legacy.pk}:{role}")
            RosterGroup.objects.create(workspace=legacy, role=role, group=group)
            legacy_groups[role] = group.pk
        OldGroup.objects.get(pk=legacy_groups["contributor"]).user_set.add(colleague.pk)
    finally:
        _migrate(latest)

    for workspace_id, name, groups in (
        (made.pk, "Créé avant le retour", made_groups),
        (legacy.pk, "Ancien projet", legacy_groups),
    ):
        workspace = Workspace.objects.select_related("team").get(pk=workspace_id)
        assert (workspace.team.key, workspace.team.name, workspace.team.kind) == (
            f"projects.workspace:{workspace_id}",
            name,
            "project",
        )
        assert dict(TeamGroup.objects.filter(team=workspace.team).values_list("role", "group_id")) == groups
    assert set(colleague.groups.values_list("name", flat=True)) == {
        f"projet:{made.pk}:reader",
        f"projet:{legacy.pk}:contributor",
    }


def test_the_migrations_run_on_an_empty_table():
    latest = _latest()
    try:
        _migrate(BEFORE)
    finally:
        apps = _migrate(latest)
    assert apps.get_model("people", "Team").objects.count() == 0
