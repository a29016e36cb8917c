"""Series: preview occurrence by occurrence, create, edit or cancel this and the following."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from ..choices import BLOCKING_STATUSES, BookingStatus, ResourceKind
from ..models import Booking, BookingSeries, Room
from ..permissions import actor_for, can_book, is_manager, room_managers
from ..policies import buffer_clashes, check_kind, check_quota, check_series_length, policy_for
from ..queries import FinderQuery, conflicts, free_rooms
from ..recurrence import SeriesRule, expand, local_datetime, to_local
from .bookings import (
    _cancel_locked,
)
from .common import (
    _clean_title,
    _is_overlap_error,
    _lock_rooms,
    _notify_managers_of_request,
    _retried,
    _save,
    _send_confirmation,
    slot_label,
    validate_slot,
)

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
    *,
    room: Room,
    requester,
    rule: SeriesRule,
    start_time: time,
    end_time: time,
    attendees: int,
    actor=None,
    licence_confirmed: bool = False,
) -> list[Occurrence]:
    """Each occurrence with its problem, if any, and free rooms for the conflicting ones.

    Queries: one for the room's bookings over the whole series, then one per conflicting occurrence (at most
    20) for alternatives."""
    actor = actor or actor_for(requester)
    if room.kind == ResourceKind.EQUIPMENT:
        raise ValidationError(
            _("Le matériel se prête une fois à la fois : pas de série pour « %(room)s »."),
            params={"room": room.name},
            code="series_equipment",
        )
    check_kind(room, licence_confirmed=licence_confirmed)
    dates = expand(rule)
    if not can_book(actor, room):
        raise ValidationError(
            _("La salle « %(room)s » est réservée à certains services : vous ne pouvez pas la réserver."),
            params={"room": room.name},
            code="not_allowed",
        )
    policy = policy_for(room)
    check_series_length(room, len(dates), policy)
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
        from ..queries import blocking_overlap

        busy = list(blocking_overlap(Booking.objects.filter(room=room), valid[0].start, valid[-1].end))
        for o in valid:
            o.clash = [b for b in busy if b.start < o.end and b.end > o.start]
        # The policy's rules that depend on other bookings: buffer, then the quota over what is left, in
        # order (a quota broken midway refuses the following occurrences, each with its reason).
        free = [o for o in valid if not o.clash]
        for i, reason in buffer_clashes(room, [(o.start, o.end) for o in free], policy=policy).items():
            free[i].error = reason
        free = [o for o in free if not o.error]
        for refusal in check_quota(
            requester=requester, room=room, slots=[(o.start, o.end) for o in free], policy=policy
        ):
            free[refusal.index].error = refusal.message
    for o in [o for o in valid if o.clash][:20]:
        o.alternatives = free_rooms(
            actor,
            FinderQuery(start=o.start, end=o.end, capacity=attendees, kind=room.kind),
            limit=3,
            with_equipment=False,
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
    licence_confirmed: bool = False,
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
        licence_confirmed=licence_confirmed,
    )
    alt_rooms = {r.pk: r for r in Room.objects.filter(pk__in=set(other_rooms.values()), kind=room.kind)}
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

    def fresh_conflict():
        return SeriesConflict(
            series_preview(
                room=room,
                requester=requester,
                rule=rule,
                start_time=start_time,
                end_time=end_time,
                attendees=attendees,
                actor=actor,
                licence_confirmed=licence_confirmed,
            )
        )

    try:
        with transaction.atomic():
            _lock_rooms([target.pk for target, _s, _e in plan])
            # Under the lock, the buffer and quotas again: if a booking made meanwhile changes the answer,
            # nothing is created and the fresh preview says which dates.
            by_target: dict[int, tuple[Room, list]] = {}
            for target, start, end in plan:
                by_target.setdefault(target.pk, (target, []))[1].append((start, end))
            for target, slots in by_target.values():
                refused = check_quota(requester=requester, room=target, slots=slots)
                if refused or buffer_clashes(target, slots):
                    raise fresh_conflict()
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
                    managers_cache[target.pk] = (
                        target.requires_approval or policy_for(target).series_require_approval
                    ) and not is_manager(requester, target)
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
                    licence_confirmed_at=timezone.now() if licence_confirmed else None,
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
        raise fresh_conflict() from None
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
                    text=ngettext(
                        "%(who)s a annulé %(n)s réservation de la série « %(title)s » à partir %(slot)s.",
                        "%(who)s a annulé %(n)s réservations de la série « %(title)s » à partir %(slot)s.",
                        len(rows),
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
            moved_pks = [b.pk for b, _s, _e in moves]
            by_room: dict[int, tuple[Room, list]] = {}
            for b, start, end in moves:
                by_room.setdefault(b.room_id, (b.room, []))[1].append((start, end))
            for target, slots in by_room.values():
                near = buffer_clashes(target, slots, exclude_pks=moved_pks)
                refused = check_quota(requester=actor, room=target, slots=slots, exclude_pks=moved_pks)
                if near or refused:
                    reason = next(iter(near.values())) if near else refused[0].message
                    raise ValidationError(
                        _("%(reason)s Rien n'a été modifié."), params={"reason": reason}, code="policy"
                    )
            if problems:
                raise ValidationError(
                    _("Ces dates sont déjà prises à ces horaires : %(dates)s. Rien n'a été modifié."),
                    params={"dates": ", ".join(problems[:20])},
                    code="conflict",
                )
            for b, start, end in moves:
                row = locked[b.pk]
                row.start, row.end = start, end
                # the new times passed every rule of the current policy (validate_slot): nothing to review
                row.policy_flag = row.policy_flag_kept = ""
                fields = ["start", "end", "policy_flag", "policy_flag_kept"]
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
