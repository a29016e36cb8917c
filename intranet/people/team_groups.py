"""Group-backed teams of the core: a Team and its one core group per role (TeamGroup).

The app that owns a team (`projects` for a project's roster) keeps who is in it and with which role; it calls
these functions, inside its own transaction, so that every member sits in exactly the core group of their
role. The apps that serve the team (the GED's space grants, chat) grant to those groups.

A team's key and group names may depend on the id of the owner's row, which itself points at the team: the
owner then reserves the team first (`team_reserve`), saves its row, and finishes with `team_provision`.
"""

import uuid
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db import connection

from .choices import TeamRole
from .models import Team, TeamGroup


def team_reserve(*, name: str, kind: str) -> Team:
    """A team row with a provisional unique key and no groups yet: `team_provision` completes it."""
    return Team.objects.create(key=f"{kind}:pending:{uuid.uuid4().hex}", name=name, kind=kind)


def team_provision(team: Team, *, key: str, group_name: Callable[[str], str]) -> dict[str, Group]:
    """Set the team's key and create its three empty role groups, named `group_name(role)`; returns
    {role: group}. Three queries whatever the backend that returns ids from a bulk insert."""
    if team.key != key:
        team.key = key
        team.save(update_fields=["key"])
    groups = [Group(name=group_name(role.value)) for role in TeamRole]
    if connection.features.can_return_rows_from_bulk_insert:
        Group.objects.bulk_create(groups)
    else:  # pragma: no cover - every supported backend returns the ids
        for group in groups:
            group.save()
    TeamGroup.objects.bulk_create(
        [
            TeamGroup(team=team, role=role.value, group=group)
            for role, group in zip(TeamRole, groups, strict=True)
        ]
    )
    return {role.value: group for role, group in zip(TeamRole, groups, strict=True)}


def team_adopt(
    *, key: str, name: str, kind: str, groups: dict[str, int], group_name: Callable[[str], str]
) -> Team:
    """A team for an owner's row that already has its role groups (`groups`: {role: group id}), e.g. one
    made by an earlier release's code before its owner moved to core teams; a missing role gets a group."""
    team = Team.objects.create(key=key, name=name, kind=kind)
    for role in TeamRole.values:
        if role not in groups:
            groups[role] = Group.objects.create(name=group_name(role)).pk
    TeamGroup.objects.bulk_create(
        [TeamGroup(team=team, role=role, group_id=groups[role]) for role in TeamRole.values]
    )
    return team


def team_rename(team_id: int, name: str) -> None:
    Team.objects.filter(pk=team_id).update(name=name)


def role_groups(team_id: int) -> dict[str, Group]:
    """{role: core group} of the team, in one query."""
    return {tg.role: tg.group for tg in TeamGroup.objects.filter(team_id=team_id).select_related("group")}


def put_in_role_group(team_id: int, user, role: str | None) -> None:
    """Keep the user in exactly the team's group of `role`, or in none of its groups when `role` is None (they
    left). Goes through the groups' related managers so that the m2m_changed receivers (GED sessions, the
    dashboard) see the change."""
    if role is not None and role not in TeamRole.values:
        raise ValueError(role)
    for group_role, group in role_groups(team_id).items():
        if group_role == role:
            group.user_set.add(user)
        else:
            group.user_set.remove(user)
