"""Every write on bookings. Views, the API, commands and signal receivers call these and nothing else.

Each action runs in one transaction, leaves history (django-simple-history) and an audit event, notifies
with `notify()` and sends e-mails only once the transaction commits.
"""

import random
import secrets
import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from .choices import BLOCKING_STATUSES, BookingStatus
from .models import Booking, BookingSeries, FeedToken, Room
from .permissions import Actor, actor_for, can_book, is_manager, room_managers
from .queries import FinderQuery, conflicts, free_rooms, next_free_slots
from .recurrence import SeriesRule, expand, is_working_day, local_datetime, to_local, working_days_between

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
        actor, FinderQuery(start=start, end=end, capacity=attendees), limit=3, with_equipment=False
    )
    slots = next_free_slots(room, start, end - start, count=3)
    return BookingConflict(room=room, start=start, end=end, clash=clash, free=free, slots=slots)


def _is_overlap_error(exc: Exception) -> bool:
    return "booking_no_overlap" in str(exc)


# --- Validation -------------------------------------------------------------------------------------------


def validate_slot(
    *, actor: Actor, room: Room, start: datetime, end: datetime, attendees: int, check_past: bool = True
) -> None:
    """Every rule a single booking must meet, as French messages; the permission to book included."""
    now = timezone.now()
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(_("Les heures doivent indiquer leur fuseau horaire."), code="naive")
    if end <= start:
        raise ValidationError(
            _("L'heure de fin doit être postérieure à l'heure de début."), code="end_before_start"
        )
    if check_past and start < now - timedelta(minutes=1):
        raise ValidationError(_("Ce créneau est dans le passé : choisissez une date à venir."), code="past")
    if start > now + timedelta(days=settings.ROOMS_BOOKING_HORIZON_DAYS):
        raise ValidationError(
            _("On ne réserve pas plus de %(days)s jours à l'avance."),
            params={"days": settings.ROOMS_BOOKING_HORIZON_DAYS},
            code="too_far",
        )
    minutes = (end - start).total_seconds() / 60
    if minutes < room.min_duration:
        raise ValidationError(
            _("La salle « %(room)s » se réserve pour %(min)s minutes au moins."),
            params={"room": room.name, "min": room.min_duration},
            code="too_short",
        )
    if minutes > room.max_duration:
        raise ValidationError(
            _("La salle « %(room)s » se réserve pour %(max)s minutes au plus : raccourcissez le créneau."),
            params={"room": room.name, "max": room.max_duration},
            code="too_long",
        )
    ls, le = to_local(start), to_local(end)
    if str(ls.isoweekday()) not in room.open_days or le.date() != ls.date():
        raise ValidationError(
            _("La salle « %(room)s » est fermée ce jour-là."), params={"room": room.name}, code="closed_day"
        )
    if ls.time() < room.opens_at or le.time() > room.closes_at:
        raise ValidationError(
            _(
                "La salle « %(room)s » est ouverte de %(opens)s à %(closes)s : "
                "choisissez un créneau dans ces horaires."
            ),
            params={
                "room": room.name,
                "opens": room.opens_at.strftime("%H:%M"),
                "closes": room.closes_at.strftime("%H:%M"),
            },
            code="closed_hours",
        )
    if attendees < 1:
        raise ValidationError(_("Indiquez au moins un participant."), code="attendees")
    if attendees > room.capacity:
        raise ValidationError(
            _(
                "La salle « %(room)s » accueille %(capacity)s personnes au plus : "
                "choisissez une salle plus grande."
            ),
            params={"room": room.name, "capacity": room.capacity},
            code="capacity",
        )
    if not room.is_active or not can_book(actor, room):
        raise ValidationError(
            _("La salle « %(room)s » est réservée à certains services : vous ne pouvez pas la réserver."),
            params={"room": room.name},
            code="not_allowed",
        )


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
        "more": (_(" (et %(n)s autres dates)") % {"n": count - 1}) if count > 1 else "",
    }
    notify(recipients=managers, verb="rooms.request", text=text, url=_booking_url(booking), email=True)


def _send_confirmation(booking: Booking) -> None:
    from .tasks import send_booking_invitation

    pk = booking.pk
    transaction.on_commit(lambda: send_booking_invitation.enqueue(pk), robust=True)


def _record(booking: Booking, actor, action: str, request=None, **extra) -> None:
    audit_record(action=f"rooms.booking.{action}", actor=actor, request=request, obj=booking, extra=extra)


def _save(booking: Booking, actor, fields: list[str]) -> None:
    booking._history_user = actor
    booking.save(update_fields=fields)


# --- Single bookings --------------------------------------------------------------------------------------


def _retrying(fn):
    """Retry a transaction the database aborted only because of its neighbours: SQLite's "database is
    locked" (lock wait timed out) and PostgreSQL's "deadlock detected" (two concurrent inserts checking the
    exclusion constraint against each other). The retry re-checks and answers a success or a conflict."""
    if transaction.get_connection().in_atomic_block:
        return fn()  # inside a caller's transaction: only the caller may retry
    attempts = 30
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            transient = "locked" in str(exc) or "deadlock detected" in str(exc)
            if not transient or attempt == attempts - 1:
                raise
            _time.sleep(random.uniform(0.01, 0.1))
    return None


def booking_request(
    *,
    room: Room,
    requester,
    title: str,
    start: datetime,
    end: datetime,
    attendees: int = 1,
    request=None,
    actor: Actor | None = None,
) -> Booking:
    """Book a room: approved at once, or pending (and holding the slot) when the room requires approval.

    Raises ValidationError for bad input and BookingConflict when the slot is taken, even by a request that
    commits a microsecond earlier (the database constraint decides)."""
    actor = actor or actor_for(requester)
    title = _clean_title(title)
    validate_slot(actor=actor, room=room, start=start, end=end, attendees=attendees)
    needs_approval = room.requires_approval and not is_manager(requester, room)

    def attempt():
        with transaction.atomic():
            _lock_rooms([room.pk])
            clash = conflicts(room, start, end)
            if clash:
                return clash
            booking = Booking(
                room=room,
                title=title,
                requester=requester,
                attendees=attendees,
                start=start,
                end=end,
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
        )
        _send_confirmation(booking)
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
            clash = conflicts(booking.room, start, end, exclude_pk=booking.pk)
            if clash:
                raise _conflict(who, booking.room, start, end, attendees, clash=clash)
            moved = (start, end) != (booking.start, booking.end)
            booking.title, booking.start, booking.end, booking.attendees = title, start, end, attendees
            fields = ["title", "start", "end", "attendees"]
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


# --- Series -----------------------------------------------------------------------------------------------


@dataclass
class Occurrence:
    day: date
    start: datetime | None
    end: datetime | None
    error: str = ""  # outside opening hours, nonexistent time…
    clash: list = field(default_factory=list)
    alternatives: list = field(default_factory=list)  # free rooms for this occurrence

    @property
    def free(self) -> bool:
        return not self.error and not self.clash


def series_preview(
    *, room: Room, requester, rule: SeriesRule, start_time: time, end_time: time, attendees: int, actor=None
) -> list[Occurrence]:
    """Each occurrence with its problem, if any, and free rooms for the conflicting ones.

    Queries: one for the room's bookings over the whole series, then one per conflicting occurrence (at most
    20) for alternatives."""
    actor = actor or actor_for(requester)
    dates = expand(rule)
    if not can_book(actor, room):
        raise ValidationError(
            _("La salle « %(room)s » est réservée à certains services : vous ne pouvez pas la réserver."),
            params={"room": room.name},
            code="not_allowed",
        )
    occurrences = []
    for day in dates:
        try:
            start, end = local_datetime(day, start_time), local_datetime(day, end_time)
            validate_slot(actor=actor, room=room, start=start, end=end, attendees=attendees)
        except ValidationError as exc:
            occurrences.append(Occurrence(day=day, start=None, end=None, error=" ".join(exc.messages)))
            continue
        occurrences.append(Occurrence(day=day, start=start, end=end))
    valid = [o for o in occurrences if o.start]
    if valid:
        from .queries import blocking_overlap

        busy = list(blocking_overlap(Booking.objects.filter(room=room), valid[0].start, valid[-1].end))
        for o in valid:
            o.clash = [b for b in busy if b.start < o.end and b.end > o.start]
    for o in [o for o in valid if o.clash][:20]:
        o.alternatives = free_rooms(
            actor, FinderQuery(start=o.start, end=o.end, capacity=attendees), limit=3, with_equipment=False
        )
    return occurrences


class SeriesConflict(Exception):
    def __init__(self, occurrences: list[Occurrence]):
        self.occurrences = occurrences
        super().__init__(
            _("Certaines dates viennent d'être prises : vérifiez de nouveau la liste avant de confirmer.")
        )


def series_create(
    *,
    room: Room,
    requester,
    title: str,
    rule: SeriesRule,
    start_time: time,
    end_time: time,
    attendees: int,
    other_rooms: dict[date, int] | None = None,
    request=None,
) -> tuple[BookingSeries, list[Booking]]:
    """Book every free occurrence; a conflicting one goes to the room picked in `other_rooms` or is skipped.

    All or nothing: if a date was taken meanwhile, nothing is created and SeriesConflict carries the fresh
    preview."""
    actor = actor_for(requester)
    title = _clean_title(title)
    other_rooms = other_rooms or {}
    occurrences = series_preview(
        room=room,
        requester=requester,
        rule=rule,
        start_time=start_time,
        end_time=end_time,
        attendees=attendees,
        actor=actor,
    )
    alt_rooms = {r.pk: r for r in Room.objects.filter(pk__in=set(other_rooms.values()))}
    plan: list[tuple[Room, datetime, datetime]] = []
    for o in occurrences:
        if o.free:
            plan.append((room, o.start, o.end))
        elif o.start and other_rooms.get(o.day) in alt_rooms:
            alt = alt_rooms[other_rooms[o.day]]
            validate_slot(actor=actor, room=alt, start=o.start, end=o.end, attendees=attendees)
            plan.append((alt, o.start, o.end))
    if not plan:
        raise ValidationError(
            _("Aucune date de cette série n'est libre : rien n'a été réservé."), code="empty"
        )
    try:
        with transaction.atomic():
            _lock_rooms([target.pk for target, _s, _e in plan])
            series = BookingSeries.objects.create(
                room=room,
                requester=requester,
                title=title,
                frequency=rule.frequency,
                interval=rule.interval,
                weekdays=rule.weekdays_code,
                first_date=rule.first_date,
                until=rule.until,
                count=rule.count,
                start_time=start_time,
                end_time=end_time,
            )
            managers_cache: dict[int, bool] = {}
            created = []
            for target, start, end in plan:
                if target.pk not in managers_cache:
                    managers_cache[target.pk] = target.requires_approval and not is_manager(requester, target)
                pending = managers_cache[target.pk]
                b = Booking(
                    room=target,
                    title=title,
                    requester=requester,
                    attendees=attendees,
                    start=start,
                    end=end,
                    series=series,
                    status=BookingStatus.PENDING if pending else BookingStatus.APPROVED,
                    decided_at=None if pending else timezone.now(),
                )
                b._history_user = requester
                b.save()
                created.append(b)
            audit_record(
                action="rooms.series.create",
                actor=requester,
                request=request,
                obj=series,
                extra={"occurrences": len(created), "skipped": len(occurrences) - len(created)},
            )
            first_pending = {}
            for b in created:
                if b.status == BookingStatus.PENDING:
                    first_pending.setdefault(b.room_id, []).append(b)
            for group in first_pending.values():
                _notify_managers_of_request(group[0], count=len(group))
            if created and created[0].status == BookingStatus.APPROVED:
                _send_confirmation(created[0])
    except IntegrityError as exc:
        if not _is_overlap_error(exc):
            raise
        fresh = series_preview(
            room=room,
            requester=requester,
            rule=rule,
            start_time=start_time,
            end_time=end_time,
            attendees=attendees,
            actor=actor,
        )
        raise SeriesConflict(fresh) from None
    return series, created


@_retried
def series_cancel_following(*, booking: Booking, actor, request=None) -> int:
    """Cancel this occurrence and the following ones of its series (the requester's own)."""
    if booking.requester_id != actor.pk or booking.series_id is None:
        raise Http404
    with transaction.atomic():
        rows = list(
            Booking.objects.select_for_update()
            .filter(series_id=booking.series_id, start__gte=booking.start, status__in=BLOCKING_STATUSES)
            .select_related("room")
        )
        for b in rows:
            _cancel_locked(b, actor, "", request, own=True, quiet=True)
        if rows:
            rooms = {b.room_id: b for b in rows if b.room.requires_approval}
            for first in rooms.values():
                managers = [m for m in room_managers(first.room) if m.pk != actor.pk]
                notify(
                    recipients=managers,
                    verb="rooms.cancelled",
                    text=_(
                        "%(who)s a annulé %(n)s réservation(s) de la série « %(title)s » à partir %(slot)s."
                    )
                    % {
                        "who": actor.get_full_name() or actor.username,
                        "n": len(rows),
                        "title": first.title,
                        "slot": slot_label(first.start, first.end),
                    },
                    url=reverse("rooms:room", args=[first.room_id]),
                )
    return len(rows)


def series_update_following(
    *, booking: Booking, actor, start_time: time, end_time: time, request=None
) -> int:
    """New wall-clock times for this occurrence and the following ones: all moved, or none (the conflicting
    dates are listed)."""
    if booking.requester_id != actor.pk or booking.series_id is None:
        raise Http404
    who = actor_for(actor)
    rows = list(
        Booking.objects.filter(
            series_id=booking.series_id, start__gte=booking.start, status__in=BLOCKING_STATUSES
        ).select_related("room")
    )
    moves = []
    for b in rows:
        day = to_local(b.start).date()
        start, end = local_datetime(day, start_time), local_datetime(day, end_time)
        validate_slot(actor=who, room=b.room, start=start, end=end, attendees=b.attendees)
        moves.append((b, start, end))
    try:
        with transaction.atomic():
            _lock_rooms([b.room_id for b in rows])
            locked = {
                b.pk: b
                for b in Booking.objects.select_for_update().filter(pk__in=[b.pk for b, _s, _e in moves])
            }
            problems = []
            for b, start, end in moves:
                if conflicts(b.room, start, end, exclude_pk=b.pk):
                    problems.append(date_format(to_local(start).date(), "j F Y"))
            if problems:
                raise ValidationError(
                    _("Ces dates sont déjà prises à ces horaires : %(dates)s. Rien n'a été modifié."),
                    params={"dates": ", ".join(problems[:20])},
                    code="conflict",
                )
            for b, start, end in moves:
                row = locked[b.pk]
                row.start, row.end = start, end
                fields = ["start", "end"]
                if row.room_id and b.room.requires_approval and not is_manager(actor, b.room):
                    row.status, row.decided_by, row.decided_at = BookingStatus.PENDING, None, None
                    fields += ["status", "decided_by", "decided_at"]
                _save(row, actor, fields)
            BookingSeries.objects.filter(pk=booking.series_id).update(
                start_time=start_time, end_time=end_time
            )
            audit_record(
                action="rooms.series.update",
                actor=actor,
                request=request,
                object_type="rooms.bookingseries",
                object_id=booking.series_id,
                extra={"moved": len(moves)},
            )
    except IntegrityError as exc:
        if not _is_overlap_error(exc):
            raise
        raise ValidationError(
            _("Un créneau vient d'être pris : rien n'a été modifié, réessayez."), code="race"
        ) from None
    return len(moves)


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
                text=_(
                    "%(who)s a quitté l'intranet : %(n)s réservation(s) de « %(room)s » "
                    "sont annulées et libérées."
                )
                % {"who": user.get_full_name() or user.username, "n": len(group), "room": group[0].room.name},
                url=reverse("rooms:room", args=[group[0].room_id]),
            )
    return len(rows)


# --- Feed tokens ------------------------------------------------------------------------------------------


@_retried
def feed_token_create(*, user, request=None) -> str:
    """A new secret for the agent's calendar feeds; the previous one stops working. Returned once."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        FeedToken.objects.filter(user=user).delete()
        FeedToken.objects.create(user=user, digest=FeedToken.hash(secret))
        audit_record(
            action="rooms.feed_token.create", actor=user, request=request, object_type="rooms.feedtoken"
        )
    return secret


def feed_token_revoke(*, user, request=None) -> int:
    with transaction.atomic():
        deleted, _ignored = FeedToken.objects.filter(user=user).delete()
        audit_record(
            action="rooms.feed_token.revoke", actor=user, request=request, object_type="rooms.feedtoken"
        )
    return deleted


def feed_token_user(secret: str):
    """The active agent owning this feed secret, or None."""
    if not secret or len(secret) > 100:
        return None
    token = FeedToken.objects.select_related("user").filter(digest=FeedToken.hash(secret)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
