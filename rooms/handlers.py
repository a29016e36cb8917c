"""Receivers of other parts' hooks; each calls one action."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from intranet.people.signals import user_deactivated


@receiver(user_deactivated, dispatch_uid="rooms_leaver")
def _cancel_leaver_bookings(sender, user, reason, actor, **kwargs):
    from .actions import bookings_cancel_for_leaver

    bookings_cancel_for_leaver(user=user)


@receiver(post_save, sender="rooms.BookingPolicy", dispatch_uid="rooms_policy_flag")
def _flag_bookings_after_policy_edit(sender, instance, raw=False, **kwargs):
    from .actions import bookings_flag_for_policy

    if not raw:
        bookings_flag_for_policy(policy=instance)
