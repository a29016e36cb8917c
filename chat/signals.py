"""Receivers of other apps' hooks: they only call chat actions. (Department salons follow the core's team
hooks, `chat/departments.py`, not signals.)"""

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
