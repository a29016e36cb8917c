"""Single bookings: request, approve, reject, cancel, move."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.notifications.actions import notify

from ..choices import BLOCKING_STATUSES, BookingStatus, ResourceKind
from ..models import Booking, Room
from ..permissions import Actor, actor_for, is_manager, room_managers
from ..policies import check_kind, check_stock
from ..queries import conflicts
from .common import (
    _booking_url,
    _clean_title,
    _conflict,
    _is_overlap_error,
    _lock,
    _lock_rooms,
    _notify_managers_of_request,
    _record,
    _retried,
    _retrying,
    _save,
    _send_confirmation,
    check_neighbours,
    invitation_attachment,
    slot_label,
    validate_slot,
)


def booking_request(
    *,
    room: Room,
    requester,
    title: str,
    start: datetime,
    end: datetime,
    attendees: int = 1,
    quantity: int = 1,
    licence_confirmed: bool = False,
    request=None,
    actor: Actor | None = None,
) -> Booking:
    """Book a room: approved at once, or pending (and holding the slot) when the room requires approval.

    Raises ValidationError for bad input and BookingConflict when the slot is taken, even by a request that
    commits a microsecond earlier (the database constraint decides)."""
    actor = actor or actor_for(requester)
    title = _clean_title(title)
    validate_slot(actor=actor, room=room, start=start, end=end, attendees=attendees)
    check_kind(room, quantity=quantity, licence_confirmed=licence_confirmed)
    needs_approval = room.requires_approval and not is_manager(requester, room)
    loan = room.kind == ResourceKind.EQUIPMENT

    def attempt():
        with transaction.atomic():
            _lock_rooms([room.pk])  # SELECT … FOR UPDATE on the resource: loans of one item queue here
            if loan:
                check_stock(room, start, end, quantity)
            else:
                clash = conflicts(room, start, end)
                if clash:
                    return clash
            check_neighbours(requester=requester, room=room, slots=[(start, end)])
            booking = Booking(
                room=room,
                title=title,
                requester=requester,
                attendees=attendees,
                start=start,
                end=end,
                quantity=quantity,
                by_quantity=loan,
                licence_confirmed_at=timezone.now() if licence_confirmed else None,
                status=BookingStatus.PENDING if needs_approval else BookingStatus.APPROVED,
            )
            if not needs_approval:
                booking.decided_at = timezone.now()
            booking._history_user = requester
            booking.save()
            _record(booking, requester, "request", request, status=booking.status)
            if needs_approval:
                _notify_managers_of_request(booking)
            else:
                _send_confirmation(booking)
            return booking

    try:
        result = _retrying(attempt)
    except IntegrityError as exc:
        if not _is_overlap_error(exc):
            raise
        raise _conflict(actor, room, start, end, attendees) from None
    if isinstance(result, list):
        raise _conflict(actor, room, start, end, attendees, clash=result)
    return result


@_retried
def booking_approve(*, booking: Booking, approver, note: str = "", request=None) -> Booking:
    """A manager confirms a pending request. A decision already taken (by another manager at the same
    moment, say) is refused with a message rather than silently repeated."""
    if not is_manager(approver, booking.room):
        raise Http404
    with transaction.atomic():
        booking = _lock(booking)
        if booking.status != BookingStatus.PENDING:
            raise ValidationError(
                _("Cette demande a déjà été traitée (%(status)s)."),
                params={"status": booking.get_status_display()},
                code="already_decided",
            )
        if booking.start <= timezone.now():
            raise ValidationError(
                _("Ce créneau est passé : la demande ne peut plus être validée."), code="past"
            )
        booking.status = BookingStatus.APPROVED
        booking.decided_by, booking.decided_at = approver, timezone.now()
        booking.decision_reason = " ".join(note.split())[:500]
        _save(booking, approver, ["status", "decided_by", "decided_at", "decision_reason"])
        _record(booking, approver, "approve", request)
        notify(
            recipients=[booking.requester],
            verb="rooms.approved",
            text=_("Votre réservation de « %(room)s » %(slot)s est confirmée.")
            % {"room": booking.room.name, "slot": slot_label(booking.start, booking.end)},
            url=_booking_url(booking),
            email=True,
            place=booking.room.name,
            attachments=invitation_attachment(booking),
        )
    return booking


@_retried
def booking_reject(*, booking: Booking, approver, reason: str, request=None) -> Booking:
    if not is_manager(approver, booking.room):
        raise Http404
    reason = " ".join((reason or "").split())[:500]
    if not reason:
        raise ValidationError(_("Indiquez le motif du refus : le demandeur le recevra."), code="reason")
    with transaction.atomic():
        booking = _lock(booking)
        if booking.status != BookingStatus.PENDING:
            raise ValidationError(
                _("Cette demande a déjà été traitée (%(status)s)."),
                params={"status": booking.get_status_display()},
                code="already_decided",
            )
        booking.status = BookingStatus.REJECTED
        booking.decided_by, booking.decided_at, booking.decision_reason = approver, timezone.now(), reason
        _save(booking, approver, ["status", "decided_by", "decided_at", "decision_reason"])
        _record(booking, approver, "reject", request)
        notify(
            recipients=[booking.requester],
            verb="rooms.rejected",
            text=_("Votre demande de « %(room)s » %(slot)s est refusée : %(reason)s")
            % {"room": booking.room.name, "slot": slot_label(booking.start, booking.end), "reason": reason},
            url=_booking_url(booking),
            email=True,
        )
    return booking


def bookings_approve_batch(*, ids: list[int], approver, request=None) -> tuple[int, list[str]]:
    """Approve several requests; each on its own, so one already decided does not block the others."""
    approved, errors = 0, []
    rooms_managed = Room.objects.filter(pk__in=Booking.objects.filter(pk__in=ids[:200]).values("room_id"))
    allowed = {r.pk for r in rooms_managed if is_manager(approver, r)}
    for booking in Booking.objects.filter(pk__in=ids[:200], room_id__in=allowed).select_related("room"):
        try:
            booking_approve(booking=booking, approver=approver, request=request)
            approved += 1
        except ValidationError as exc:
            errors.append(f"{booking.title} : {' '.join(exc.messages)}")
    return approved, errors


def bookings_reject_batch(*, ids: list[int], approver, reason: str, request=None) -> tuple[int, list[str]]:
    """Reject several requests with one reason (each requester receives it); each on its own."""
    if not " ".join((reason or "").split()):
        raise ValidationError(_("Indiquez le motif du refus : les demandeurs le recevront."), code="reason")
    rejected, errors = 0, []
    rooms_managed = Room.objects.filter(pk__in=Booking.objects.filter(pk__in=ids[:200]).values("room_id"))
    allowed = {r.pk for r in rooms_managed if is_manager(approver, r)}
    for booking in Booking.objects.filter(pk__in=ids[:200], room_id__in=allowed).select_related("room"):
        try:
            booking_reject(booking=booking, approver=approver, reason=reason, request=request)
            rejected += 1
        except ValidationError as exc:
            errors.append(f"{booking.title} : {' '.join(exc.messages)}")
    return rejected, errors


@_retried
def booking_cancel(*, booking: Booking, actor, reason: str = "", request=None) -> Booking:
    """The requester cancels their own booking (managers are told); a manager cancels anyone's with a reason
    (the requester is told)."""
    own = booking.requester_id == actor.pk
    manager = is_manager(actor, booking.room)
    if not own and not manager:
        raise Http404
    reason = " ".join((reason or "").split())[:500]
    if not own and not reason:
        raise ValidationError(
            _("Indiquez le motif de l'annulation : le demandeur le recevra."), code="reason"
        )
    with transaction.atomic():
        booking = _lock(booking)
        if booking.status not in BLOCKING_STATUSES:
            raise ValidationError(
                _("Cette réservation n'est plus active (%(status)s)."),
                params={"status": booking.get_status_display()},
                code="not_active",
            )
        if booking.end <= timezone.now():
            raise ValidationError(_("Une réservation passée ne s'annule plus."), code="past")
        _cancel_locked(booking, actor, reason, request, own=own)
    return booking


def _cancel_locked(booking: Booking, actor, reason: str, request, *, own: bool, quiet: bool = False) -> None:
    was = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.decided_by, booking.decided_at, booking.decision_reason = actor, timezone.now(), reason
    _save(booking, actor, ["status", "decided_by", "decided_at", "decision_reason"])
    _record(booking, actor, "cancel", request, previous=was)
    if quiet:
        return
    slot = slot_label(booking.start, booking.end)
    if own:
        managers = (
            [m for m in room_managers(booking.room) if m.pk != actor.pk]
            if booking.room.requires_approval
            else []
        )
        notify(
            recipients=managers,
            verb="rooms.cancelled",
            text=_("%(who)s a annulé sa réservation de « %(room)s » %(slot)s.")
            % {"who": actor.get_full_name() or actor.username, "room": booking.room.name, "slot": slot},
            url=reverse("rooms:room", args=[booking.room_id]),
        )
    else:
        notify(
            recipients=[booking.requester],
            verb="rooms.cancelled",
            text=_("Votre réservation de « %(room)s » %(slot)s est annulée par un gestionnaire : %(reason)s")
            % {"room": booking.room.name, "slot": slot, "reason": reason},
            url=_booking_url(booking),
            email=True,
        )


def booking_update(
    *, booking: Booking, actor, title: str, start: datetime, end: datetime, attendees: int, request=None
) -> Booking:
    """The requester moves or renames one booking (one occurrence of a series). A room that requires
    approval asks its managers again when the slot changes."""
    if booking.requester_id != actor.pk:
        raise Http404
    title = _clean_title(title)
    who = actor_for(actor)
    validate_slot(actor=who, room=booking.room, start=start, end=end, attendees=attendees)
    try:
        with transaction.atomic():
            _lock_rooms([booking.room_id])
            booking = _lock(booking)
            if booking.status not in BLOCKING_STATUSES or booking.start <= timezone.now():
                raise ValidationError(_("Cette réservation ne peut plus être modifiée."), code="not_active")
            if booking.by_quantity:
                check_stock(booking.room, start, end, booking.quantity, exclude_pks=[booking.pk])
            clash = [] if booking.by_quantity else conflicts(booking.room, start, end, exclude_pk=booking.pk)
            if clash:
                raise _conflict(who, booking.room, start, end, attendees, clash=clash)
            check_neighbours(
                requester=actor, room=booking.room, slots=[(start, end)], exclude_pks=[booking.pk]
            )
            moved = (start, end) != (booking.start, booking.end)
            booking.title, booking.start, booking.end, booking.attendees = title, start, end, attendees
            fields = ["title", "start", "end", "attendees"]
            if moved and (booking.policy_flag or booking.policy_flag_kept):
                # the new slot passed every rule of the current policy (validate_slot): nothing to review
                booking.policy_flag = booking.policy_flag_kept = ""
                fields += ["policy_flag", "policy_flag_kept"]
            if moved and booking.room.requires_approval and not is_manager(actor, booking.room):
                booking.status = BookingStatus.PENDING
                booking.decided_by = booking.decided_at = None
                fields += ["status", "decided_by", "decided_at"]
            _save(booking, actor, fields)
            _record(booking, actor, "update", request)
            if moved and booking.status == BookingStatus.PENDING:
                _notify_managers_of_request(booking)
    except IntegrityError as exc:
        if not _is_overlap_error(exc):
            raise
        raise _conflict(who, booking.room, start, end, attendees) from None
    return booking
