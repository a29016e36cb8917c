"""Departments served as teams through the core's named team hooks (`intranet.registry`: team created,
changed, roster changed), so that an app mirroring departments (chat's department salons) implements the
same hooks as for a project's roster instead of listening to this app's models.

A department's team (`department_teams`): kind « department », key « people.department:<id> », its active
agents (`User.department`) and the active members of its group as contributors, its head as manager when
they are one of them, private, never closed. `lead` is None (the head is the member whose role is manager),
`groups` and `refs` stay empty: the department's one group is `Department.group`, and the apps find their
object by `source_id`, the department's id.

When the hooks run, inside the transaction of the change (nothing half-done; an app's external side effect is
an outbox row of that same transaction):
- a department saved for the first time → `create`; saved again (name, head…) → `changed`;
- an agent saved with another department or another active flag (or a save of every field that changed
  either) → `sync_roster` of the department they left and of the one they joined;
- after an LDAP sync that changed something (`directory_synced`, bulk writes send no per-row signal) →
  every department's roster, set-based (`TeamProvisioner.sync_many`), in a transaction of its own.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save, pre_save

from intranet import registry

KIND = "department"


def department_teams(departments=None) -> list[registry.Team]:
    """The teams of these departments (all when None), in four queries whatever their size."""
    from .models import Department

    User = get_user_model()
    if departments is None:
        departments = list(Department.objects.all())
    departments = list(departments)
    members: dict[int, set[int]] = {d.pk: set() for d in departments}
    for user_id, department_id in User.objects.filter(
        is_active=True, department__in=list(members)
    ).values_list("pk", "department_id"):
        members[department_id].add(user_id)
    by_group = {d.group_id: d.pk for d in departments if d.group_id}
    for user_id, group_id in User.groups.through.objects.filter(
        group_id__in=list(by_group), user__is_active=True
    ).values_list("user_id", "group_id"):
        members[by_group[group_id]].add(user_id)
    return [
        registry.Team(
            key=f"people.department:{d.pk}",
            name=d.name,
            description=d.description or "",
            visibility="private",
            lead=None,
            groups={},
            members={uid: "manager" if uid == d.head_id else "contributor" for uid in members[d.pk]},
            kind=KIND,
            source_id=d.pk,
        )
        for d in departments
    ]


def departments_changed(departments, actor=None) -> None:
    """These departments' rosters may have changed: every department provisioner syncs them."""
    provisioners = registry.team_provisioners(KIND)
    departments = list(departments)
    if not provisioners or not departments:
        return
    teams = department_teams(departments)
    with transaction.atomic():
        for provisioner in provisioners:
            provisioner.sync_many(teams, actor)


def _department_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return  # a fixture load: the apps' own sync commands catch up
    provisioners = registry.team_provisioners(KIND)
    if not provisioners:
        return
    (team,) = department_teams([instance])
    with transaction.atomic():
        for provisioner in provisioners:
            if created:
                provisioner.create(team, None)
            elif provisioner.changed is not None:
                provisioner.changed(team, None)
            else:
                provisioner.sync_roster(team, None)


def _user_saving(sender, instance, raw=False, update_fields=None, **kwargs):
    """Remember the department and active flag the row had, when this save may change either."""
    if raw or instance.pk is None or not registry.team_provisioners(KIND):
        return
    if update_fields is not None and not ({"department", "department_id", "is_active"} & set(update_fields)):
        return
    instance._team_before = (
        sender.objects.filter(pk=instance.pk).values_list("department_id", "is_active").first()
    )


def _user_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    before = instance.__dict__.pop("_team_before", None)
    if created:
        affected = {instance.department_id}
    elif before is None:
        return  # not a save that may move the agent (or no department provisioner)
    else:
        department_id, is_active = before
        if (department_id, is_active) == (instance.department_id, instance.is_active):
            return
        affected = {department_id, instance.department_id}
    affected.discard(None)
    if affected:
        from .models import Department

        departments_changed(Department.objects.filter(pk__in=affected))


def _directory_synced(sender, **kwargs):
    from .models import Department

    departments_changed(Department.objects.all())


def connect() -> None:
    from .models import Department
    from .signals import directory_synced

    User = get_user_model()
    post_save.connect(_department_saved, sender=Department, dispatch_uid="people_department_team")
    pre_save.connect(_user_saving, sender=User, dispatch_uid="people_user_team_before")
    post_save.connect(_user_saved, sender=User, dispatch_uid="people_user_team")
    directory_synced.connect(_directory_synced, dispatch_uid="people_departments_synced")
