"""The roster's groups move into the core: one `people.Team` per workspace, its `TeamGroup` rows taking over
the `RosterGroup` rows (same core groups, same roles, same names « projet:<id>:<role> »).

This migration adds `Workspace.team` (nullable) and moves the data. `RosterGroup` stays for one release, and
the field nullable: the previous release's workers still serve during a rolling upgrade (docs/operations.md,
tests/ops/test_upgrade.py), reading and writing RosterGroup rows; the current code writes them too and adopts
a workspace they create without a team (projects.actions._team_id). The next release drops RosterGroup and
makes the field required.
"""

import django.db.models.deletion
from django.db import migrations, models

ROLES = ("reader", "contributor", "manager")


def team_key(workspace_id: int) -> str:
    # Workspace.team_key, which a migration cannot call.
    return f"projects.workspace:{workspace_id}"


def forwards(apps, schema_editor):
    Workspace = apps.get_model("projects", "Workspace")
    RosterGroup = apps.get_model("projects", "RosterGroup")
    Team = apps.get_model("people", "Team")
    TeamGroup = apps.get_model("people", "TeamGroup")
    Group = apps.get_model("auth", "Group")
    db = schema_editor.connection.alias
    roster = {}
    for workspace_id, role, group_id in RosterGroup.objects.using(db).values_list(
        "workspace_id", "role", "group_id"
    ):
        roster.setdefault(workspace_id, {})[role] = group_id
    # A plain list: the loop writes the rows it walks (the number of workspaces stays small).
    workspaces = list(
        Workspace.objects.using(db).filter(team__isnull=True).order_by("pk").values_list("pk", "name")
    )
    for workspace_id, name in workspaces:
        team = Team.objects.using(db).create(key=team_key(workspace_id), name=name, kind="project")
        groups = roster.get(workspace_id, {})
        for role in ROLES:
            if role not in groups:  # never expected (workspace_create made all three): keep the invariant
                groups[role] = Group.objects.using(db).create(name=f"projet:{workspace_id}:{role}").pk
        TeamGroup.objects.using(db).bulk_create(
            [TeamGroup(team=team, role=role, group_id=group_id) for role, group_id in groups.items()]
        )
        Workspace.objects.using(db).filter(pk=workspace_id).update(team=team)


def backwards(apps, schema_editor):
    Workspace = apps.get_model("projects", "Workspace")
    RosterGroup = apps.get_model("projects", "RosterGroup")
    Team = apps.get_model("people", "Team")
    TeamGroup = apps.get_model("people", "TeamGroup")
    db = schema_editor.connection.alias
    team_ids = list(Workspace.objects.using(db).filter(team__isnull=False).values_list("team_id", flat=True))
    rows = (
        TeamGroup.objects.using(db)
        .filter(team_id__in=team_ids)
        .values_list("team__workspace__pk", "role", "group_id")
    )
    # Rows the current code wrote beside the team (for the previous release's workers) are there already.
    present = set(RosterGroup.objects.using(db).values_list("workspace_id", "role"))
    RosterGroup.objects.using(db).bulk_create(
        [
            RosterGroup(workspace_id=workspace_id, role=role, group_id=group_id)
            for workspace_id, role, group_id in rows
            if (workspace_id, role) not in present
        ]
    )
    Workspace.objects.using(db).filter(team__isnull=False).update(team=None)
    TeamGroup.objects.using(db).filter(team_id__in=team_ids).delete()
    Team.objects.using(db).filter(pk__in=team_ids).delete()
    if schema_editor.connection.vendor == "postgresql":
        # The next operation alters projects_workspace in this same transaction: the deferred foreign key
        # checks of the rows written above run now rather than at commit (« pending trigger events »).
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("people", "0012_team"),
        ("projects", "0003_card_links"),
    ]

    operations = [
        migrations.AddField(
            model_name="workspace",
            name="team",
            field=models.OneToOneField(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="workspace",
                to="people.team",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
