"""Receivers of other apps' hooks: they only call chat actions."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from intranet.people.signals import user_deactivated, user_deactivating


@receiver(user_deactivating, dispatch_uid="chat_leaver_matrix")
def _leaver_matrix(sender, user, **kwargs):
    """The leaver's Matrix deactivation is recorded in the deactivation's own transaction (an outbox row the
    bridge performs); the after-commit hook below finds it waiting and adds none."""
    from .outbox import DEACTIVATE, matrix_later

    matrix_later(DEACTIVATE, {"user_id": user.pk}, f"user:{user.pk}")


@receiver(user_deactivated, dispatch_uid="chat_leaver")
def _leaver(sender, user, reason, actor, **kwargs):
    """A leaver vanishes from every salon; their Matrix account is deactivated."""
    from .actions import chat_user_leave_everywhere

    chat_user_leave_everywhere(user=user)


def _department_saved(sender, instance, created, **kwargs):
    """A new department gets its salon at once (the sync command catches everything else)."""
    from django.db import transaction

    from .actions import salon_department_sync

    if created and not kwargs.get("raw"):
        transaction.on_commit(lambda: salon_department_sync(departments=[instance]), robust=True)


def _user_saved(sender, instance, created, update_fields=None, **kwargs):
    """An agent saved one by one (admin, profile form, a department change): the department salons they are
    in and the one of their department follow. Bulk writes (the LDAP sync) need `salon_department_sync`."""
    from django.db import transaction

    from .actions import salon_department_sync
    from .models import Salon

    if kwargs.get("raw"):
        return
    if update_fields is not None and not ({"department", "is_active"} & set(update_fields)):
        return
    ids = set(
        Salon.objects.filter(memberships__user=instance, kind="department").values_list(
            "department_id", flat=True
        )
    )
    if instance.department_id:
        ids.add(instance.department_id)
    ids.discard(None)
    if ids:
        from intranet.people.models import Department

        transaction.on_commit(
            lambda: salon_department_sync(departments=list(Department.objects.filter(pk__in=ids))),
            robust=True,
        )


def _directory_synced(sender, **kwargs):
    """After an LDAP sync (bulk writes, no per-user signals): department salons catch up in one pass."""
    from .actions import salon_department_sync

    salon_department_sync()


def connect_people_signals():
    from django.contrib.auth import get_user_model

    from intranet.people import signals as people_signals
    from intranet.people.models import Department

    # Requested from the identity app (see docs/chat.md): a signal sent after each committed LDAP sync.
    synced = getattr(people_signals, "directory_synced", None)
    if synced is not None:
        synced.connect(_directory_synced, dispatch_uid="chat_directory_synced")

    post_save.connect(_department_saved, sender=Department, dispatch_uid="chat_department_saved")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="chat_user_saved")
