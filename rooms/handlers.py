"""Receivers of other parts' hooks; each calls one action."""

from django.dispatch import receiver

from intranet.people.signals import user_deactivated


@receiver(user_deactivated, dispatch_uid="rooms_leaver")
def _cancel_leaver_bookings(sender, user, reason, actor, **kwargs):
    from .actions import bookings_cancel_for_leaver

    bookings_cancel_for_leaver(user=user)
