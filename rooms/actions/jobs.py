"""Scheduled jobs (reminders, expiry) and leavers; each is idempotent."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intranet.notifications.actions import notify

from ..choices import BLOCKING_STATUSES, BookingStatus
from ..models import Booking
from ..permissions import is_manager, room_managers
from ..recurrence import is_working_day, to_local, working_days_between
from .bookings import (
    _cancel_locked,
)
from .common import (
    _booking_url,
    _lock,
    _record,
    _retried,
    _save,
    slot_label,
)

# --- Scheduled jobs (idempotent) --------------------------------------------------------------------------


def bookings_remind_pending(*, now: datetime | None = None) -> int:
    """Remind the managers of requests pending for ROOMS_REMINDER_WORKING_DAYS working days or more, at most
    once per such period: running it twice in a row sends nothing the second time."""
    now = now or timezone.now()
    days = settings.ROOMS_REMINDER_WORKING_DAYS
    today = to_local(now).date()
    if not is_working_day(today):
        return 0
    candidates = Booking.objects.filter(status=BookingStatus.PENDING, start__gt=now).select_related(
        "room", "requester"
    )
    due = [
        b
        for b in candidates
        if working_days_between(to_local(b.reminded_at or b.created_at).date(), today) >= days
    ]
    sent = 0
    for b in due:
        with transaction.atomic():
            managers = room_managers(b.room)
            notify(
                recipients=managers,
                verb="rooms.reminder",
                text=_("Rappel : la demande de « %(room)s » par %(who)s, %(slot)s, attend votre validation.")
                % {
                    "room": b.room.name,
                    "who": b.requester.get_full_name() or b.requester.username,
                    "slot": slot_label(b.start, b.end),
                },
                url=_booking_url(b),
                email=True,
            )
            Booking.objects.filter(pk=b.pk).update(reminded_at=now)
            sent += 1
    return sent


def bookings_expire_pending(*, now: datetime | None = None) -> int:
    """Pending requests whose start has passed expire (the requester is told); idempotent."""
    now = now or timezone.now()
    expired = 0
    for b in Booking.objects.filter(status=BookingStatus.PENDING, start__lte=now).select_related(
        "room", "requester"
    ):
        with transaction.atomic():
            locked = _lock(b)
            if locked.status != BookingStatus.PENDING:
                continue
            locked.status, locked.decided_at = BookingStatus.EXPIRED, now
            _save(locked, None, ["status", "decided_at"])
            _record(locked, None, "expire")
            notify(
                recipients=[locked.requester],
                verb="rooms.expired",
                text=_("Votre demande de « %(room)s » %(slot)s n'a pas été validée à temps et a expiré.")
                % {"room": locked.room.name, "slot": slot_label(locked.start, locked.end)},
                url=_booking_url(locked),
            )
            expired += 1
    return expired


@_retried
def bookings_cancel_for_leaver(*, user) -> int:
    """A deactivated agent's future bookings are cancelled; managers of rooms requiring approval are told."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Booking.objects.select_for_update()
            .filter(requester=user, status__in=BLOCKING_STATUSES, start__gt=now)
            .select_related("room")
        )
        for b in rows:
            _cancel_locked(b, None, _("départ de l'agent"), None, own=True, quiet=True)
        by_room: dict[int, list[Booking]] = {}
        for b in rows:
            if b.room.requires_approval:
                by_room.setdefault(b.room_id, []).append(b)
        for group in by_room.values():
            notify(
                recipients=room_managers(group[0].room),
                verb="rooms.cancelled",
                text=ngettext(
                    "%(who)s a quitté l'intranet : %(n)s réservation de « %(room)s » est annulée et libérée.",
                    "%(who)s a quitté l'intranet : %(n)s réservations de « %(room)s » sont annulées et "
                    "libérées.",
                    len(group),
                )
                % {"who": user.get_full_name() or user.username, "n": len(group), "room": group[0].room.name},
                url=reverse("rooms:room", args=[group[0].room_id]),
            )
    return len(rows)


# --- Policy edits -----------------------------------------------------------------------------------------


def bookings_flag_for_policy(*, policy) -> int:
    """After a policy edit, re-check the future live bookings it governs. Those that no longer fit stay as
    they are (nobody loses a booking to an admin edit) but carry the reason in `policy_flag`, and the
    managers of each resource are told once; those that fit again lose their flag. A booking a manager kept
    (`booking_keep`) is not flagged again for the same reason. Idempotent."""
    from ..policies import breaches, governed_bookings

    flagged = 0
    by_room: dict[int, list[Booking]] = {}
    with transaction.atomic():
        rows = (
            governed_bookings(policy)
            .filter(status__in=BLOCKING_STATUSES, start__gt=timezone.now())
            .select_related("room")
            .select_for_update(of=("self",))
        )
        for b in rows:
            reason = breaches(policy, b)
            flag = (
                (_("Hors des règles « %(policy)s » : %(why)s.") % {"policy": policy.name, "why": reason})[
                    :300
                ]
                if reason
                else ""
            )
            if flag and flag == b.policy_flag_kept:
                flag = ""  # a manager chose to keep it as it is: not flagged again for the same reason
            if flag == b.policy_flag:
                continue
            Booking.objects.filter(pk=b.pk).update(policy_flag=flag)
            if flag:
                flagged += 1
                by_room.setdefault(b.room_id, []).append(b)
        for bookings in by_room.values():
            room = bookings[0].room
            notify(
                recipients=room_managers(room),
                verb="rooms.policy_flag",
                text=ngettext(
                    "Les nouvelles règles de « %(room)s » ne conviennent plus à %(n)s réservation à venir : "
                    "elle est maintenue, à revoir avec le demandeur.",
                    "Les nouvelles règles de « %(room)s » ne conviennent plus à %(n)s réservations à venir : "
                    "elles sont maintenues, à revoir avec les demandeurs.",
                    len(bookings),
                )
                % {"room": room.name, "n": len(bookings)},
                url=reverse("rooms:approvals") + "#a-revoir",
            )
    return flagged


@_retried
def booking_keep(*, booking: Booking, manager, request=None) -> Booking:
    """A manager keeps a booking flagged by a policy edit as it is: the flag goes, and the same reason will
    not flag it again (a stricter edit will). Anyone but the resource's managers: 404, like a missing one."""
    if not is_manager(manager, booking.room):
        raise Http404
    with transaction.atomic():
        booking = _lock(booking)
        if booking.status not in BLOCKING_STATUSES or booking.end <= timezone.now():
            raise ValidationError(
                _("Cette réservation n'est plus active (%(status)s) : rien à maintenir."),
                params={"status": booking.get_status_display()},
                code="not_active",
            )
        if not booking.policy_flag:
            raise ValidationError(
                _("Cette réservation n'est plus signalée : elle respecte les règles actuelles."),
                code="not_flagged",
            )
        kept = booking.policy_flag
        booking.policy_flag_kept, booking.policy_flag = kept, ""
        _save(booking, manager, ["policy_flag", "policy_flag_kept"])
        _record(booking, manager, "keep", request, flag=kept)
    return booking
