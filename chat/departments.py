"""Chat's side of department teams (`intranet.registry.register_team_provisioner`, kind « department »): one
salon per department, its members the department's roster as the core sees it (`intranet.people.teams`), the
head moderating. The core calls these hooks when a department is created or saved, when an agent changes
department or active flag, and after an LDAP sync (every department at once, set-based); each runs inside
the transaction of that change, and the Matrix side follows through the outbox rows written there.

Departments are never closed: `close` and `reopen` have nothing to do."""

from .actions import salon_department_teams_sync


def create(team, actor) -> dict:
    """The new department's salon; nothing to hand back (department teams keep no refs: the salon is found
    by its department)."""
    salon_department_teams_sync([team])
    return {}


def sync_roster(team, actor) -> None:
    salon_department_teams_sync([team])


def sync_rosters(teams, actor) -> None:
    salon_department_teams_sync(teams)


def changed(team, actor) -> None:
    """The department's name (the salon's) or head (its moderator) may have changed."""
    salon_department_teams_sync([team])


def close(team, actor) -> None:
    return


def reopen(team, actor) -> None:
    return
