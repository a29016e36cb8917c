"""Messages, validation, notifications and locking shared by the booking actions."""

import random
import time as _time
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from ..models import Booking, Room
from ..permissions import Actor, room_managers
from ..policies import buffer_clashes, check_quota, check_slot, policy_for, raise_quota
from ..queries import FinderQuery, conflicts, free_rooms, next_free_slots
from ..recurrence import to_local

# --- Messages ---------------------------------------------------------------------------------------------


def slot_label(start: datetime, end: datetime) -> str:
    s, e = to_local(start), to_local(end)
    return _("le %(date)s de %(start)s à %(end)s") % {
        "date": date_format(s.date(), "l j F Y"),
        "start": s.strftime("%H:%M"),
        "end": e.strftime("%H:%M"),
    }


def _booking_url(booking: Booking) -> str:
    return reverse("rooms:booking", args=[booking.pk])


class BookingConflict(Exception):
    """The slot is taken. Carries the conflicting booking(s) and free alternatives for the answer."""

    def __init__(self, *, room: Room, start, end, clash: list[Booking], free: list | None = None, slots=None):
        self.room, self.start, self.end = room, start, end
        self.clash = clash
        self.free_rooms = free or []
        self.next_slots = slots or []
        if clash:
            first = clash[0]
            msg = _("La salle « %(room)s » est déjà réservée %(slot)s (%(status)s).") % {
                "room": room.name,
                "slot": slot_label(first.start, first.end),
                "status": first.get_status_display(),
            }
        else:
            msg = _("La salle « %(room)s » vient d'être réservée sur ce créneau par quelqu'un d'autre.") % {
                "room": room.name
            }
        self.message = msg + " " + _("Choisissez un autre créneau ou une autre salle ci-dessous.")
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {
            "detail": self.message,
            "conflicts": [
                {"start": b.start.isoformat(), "end": b.end.isoformat(), "status": b.status}
                for b in self.clash
            ],
            "free_rooms": [{"id": r.pk, "name": r.name, "capacity": r.capacity} for r in self.free_rooms],
            "next_slots": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in self.next_slots],
        }


def _conflict(actor: Actor, room: Room, start, end, attendees: int, clash=None) -> BookingConflict:
    """Build the French answer with alternatives (outside the failed transaction): 3 queries."""
    clash = clash if clash is not None else conflicts(room, start, end)
    free = free_rooms(
        actor,
        FinderQuery(start=start, end=end, capacity=attendees, kind=room.kind),
        limit=3,
        with_equipment=False,
    )
    slots = next_free_slots(room, start, end - start, count=3)
    return BookingConflict(room=room, start=start, end=end, clash=clash, free=free, slots=slots)


def _is_overlap_error(exc: Exception) -> bool:
    return "booking_no_overlap" in str(exc)


# --- Validation -------------------------------------------------------------------------------------------


def validate_slot(
    *, actor: Actor, room: Room, start: datetime, end: datetime, attendees: int, check_past: bool = True
) -> None:
    """Every rule a single booking must meet (the resource's policy, the permission to book), as French
    messages: see policies.check_slot, the one place they are written."""
    check_slot(actor=actor, room=room, start=start, end=end, attendees=attendees, check_past=check_past)


def check_neighbours(
    *, requester, room: Room, slots: list[tuple[datetime, datetime]], exclude_pks=()
) -> None:
    """The policy rules that depend on other bookings (buffer, quotas), for slots booked all together. Call
    inside the transaction, after `_lock_rooms`: the lock makes the count exact."""
    policy = policy_for(room)
    near = buffer_clashes(room, slots, exclude_pks=exclude_pks, policy=policy)
    if near:
        raise ValidationError(next(iter(near.values())), code="buffer")
    raise_quota(check_quota(requester=requester, room=room, slots=slots, exclude_pks=exclude_pks))


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())[:200]
    if not title:
        raise ValidationError(_("Indiquez l'objet de la réservation."), code="title")
    return title


# --- Notifications ----------------------------------------------------------------------------------------


def _notify_managers_of_request(booking: Booking, *, count: int = 1) -> None:
    managers = [m for m in room_managers(booking.room) if m.pk != booking.requester_id]
    text = _("Demande de réservation de « %(room)s » par %(who)s, %(slot)s%(more)s : à valider.") % {
        "room": booking.room.name,
        "who": booking.requester.get_full_name() or booking.requester.username,
        "slot": slot_label(booking.start, booking.end),
        "more": (ngettext(" (et %(n)s autre date)", " (et %(n)s autres dates)", count - 1) % {"n": count - 1})
        if count > 1
        else "",
    }
    notify(recipients=managers, verb="rooms.request", text=text, url=_booking_url(booking), email=True)


def invitation_attachment(booking: Booking) -> list[tuple[str, str, str]]:
    """The booking as an .ics invitation, attached to the requester's confirmation e-mail."""
    from ..ical import invitation

    return [("reservation.ics", invitation(booking).decode(), "text/calendar; charset=utf-8; method=PUBLISH")]


def _send_confirmation(booking: Booking) -> None:
    """A booking confirmed at once: the requester is notified (in-app, and by e-mail as they chose for
    « Réservations de salles ») with the .ics invitation; the e-mail is an outbox row of this transaction."""
    notify(
        recipients=[booking.requester],
        verb="rooms.confirmed",
        text=_("Votre réservation « %(title)s » de « %(room)s » %(slot)s est confirmée.")
        % {"title": booking.title, "room": booking.room.name, "slot": slot_label(booking.start, booking.end)},
        url=_booking_url(booking),
        email=True,
        place=booking.room.name,
        attachments=invitation_attachment(booking),
    )


def _record(booking: Booking, actor, action: str, request=None, **extra) -> None:
    audit_record(action=f"rooms.booking.{action}", actor=actor, request=request, obj=booking, extra=extra)


def _save(booking: Booking, actor, fields: list[str]) -> None:
    booking._history_user = actor
    booking.save(update_fields=fields)


# --- Single bookings --------------------------------------------------------------------------------------


# How long a writer keeps retrying a transient lock error before giving up (then a 500 would be honest).
RETRY_SECONDS = 15


def _retrying(fn):
    """Retry a transaction the database aborted only because of its neighbours: SQLite's "database is
    locked" (lock wait timed out) and PostgreSQL's "deadlock detected" (two concurrent inserts checking the
    exclusion constraint against each other). The retry re-checks and answers a success or a conflict."""
    if transaction.get_connection().in_atomic_block:
        return fn()  # inside a caller's transaction: only the caller may retry
    deadline = _time.monotonic() + RETRY_SECONDS
    while True:
        try:
            return fn()
        except OperationalError as exc:
            transient = "locked" in str(exc) or "deadlock detected" in str(exc)
            if not transient or _time.monotonic() > deadline:
                raise
            _time.sleep(random.uniform(0.01, 0.15))


def _retried(action):
    """Run the whole action again on a transient lock error (see _retrying)."""
    import functools

    @functools.wraps(action)
    def wrapper(*args, **kwargs):
        return _retrying(lambda: action(*args, **kwargs))

    return wrapper


def _lock_rooms(ids) -> None:
    """Queue writers of the same room behind each other (in id order, so two writers never deadlock). The
    exclusion constraint stays the guarantee; the lock only turns its races into clean conflict answers."""
    list(
        Room.objects.select_for_update()
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock(booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update().select_related("room", "requester").get(pk=booking.pk)
    return locked
