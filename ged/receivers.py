from django.dispatch import receiver

from intranet.people.signals import user_deactivated


@receiver(user_deactivated, dispatch_uid="ged_leaver_spaces")
def _leaver_spaces(sender, user, reason=None, actor=None, **kwargs):
    from .actions import leaver_spaces_notify

    leaver_spaces_notify(user=user)


@receiver(user_deactivated, dispatch_uid="ged_leaver_online_sessions")
def _leaver_online_sessions(sender, user, reason=None, actor=None, **kwargs):
    from .online import sessions_recheck

    sessions_recheck(user=user)
