"""Booking rules, in one place: which policy governs a resource, and the checks every booking action runs.

- `policy_for(room)`: the resource's own policy, else its site's, else `default_policy()` (one query, cached
  on the room instance).
- `check_slot(...)`: the rules of one slot (dates, window, duration, opening hours and days, public holidays,
  capacity, who may book). Pages, the API and each occurrence of a series call it through
  `actions.validate_slot`.
- `check_buffer(...)` and `check_quota(...)`: the rules that depend on other bookings; the actions run them
  inside their transaction, after locking the resource row, so two concurrent requests cannot both slip
  under a quota. `check_quota` answers occurrence by occurrence: a series books what fits and lists the rest.

Every refusal is a French `ValidationError` naming the rule and what is allowed.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import BLOCKING_STATUSES, ResourceKind, Weekday
from .models import Booking, BookingPolicy, Room
from .recurrence import public_holidays, to_local


def default_policy() -> BookingPolicy:
    """The rules of a resource whose site has none: the model's defaults, never saved."""
    return BookingPolicy(name=_("Règles par défaut"))


def policy_for(room: Room) -> BookingPolicy:
    cached = room.__dict__.get("_policy_cache")
    if cached is not None:
        return cached
    own_cache = room._state.fields_cache
    site = own_cache.get("site")
    if "own_policy" in own_cache and site is not None and "policy" in site._state.fields_cache:
        # select_related("own_policy", "site__policy") already read them (lists, the API): no query.
        policy = own_cache["own_policy"] or site._state.fields_cache["policy"] or default_policy()
    else:
        found = {
            ("room" if p.room_id else "site"): p
            for p in BookingPolicy.objects.filter(Q(room_id=room.pk) | Q(site_id=room.site_id))
        }
        policy = found.get("room") or found.get("site") or default_policy()
    room.__dict__["_policy_cache"] = policy
    return policy


def allowed_ids(policy: BookingPolicy) -> tuple[set[int], set[int]]:
    """(department ids, employer ids) the policy restricts booking to; empty sets mean everyone."""
    if policy.pk is None:
        return set(), set()
    cached = policy.__dict__.get("_allowed_cache")
    if cached is None:
        cached = (
            set(policy.departments.values_list("pk", flat=True)),
            set(policy.employers.values_list("pk", flat=True)),
        )
        policy.__dict__["_allowed_cache"] = cached
    return cached


def policy_allows_q(actor) -> Q:
    """Rooms whose effective policy lets this agent book, as a filter over Room (for `bookable_rooms_q`)."""
    deps = BookingPolicy.departments.through.objects
    emps = BookingPolicy.employers.through.objects
    employer_id = getattr(actor.user, "employer_id", None)
    dept_ok = ~Exists(deps.filter(bookingpolicy_id=OuterRef("pk"))) | Exists(
        deps.filter(bookingpolicy_id=OuterRef("pk"), department_id__in=actor.department_ids)
    )
    emp_ok = ~Exists(emps.filter(bookingpolicy_id=OuterRef("pk"))) | Exists(
        emps.filter(bookingpolicy_id=OuterRef("pk"), organisation_id=employer_id)
    )
    own = BookingPolicy.objects.filter(room_id=OuterRef("pk"))
    site = BookingPolicy.objects.filter(site_id=OuterRef("site_id"))
    return Exists(own.filter(dept_ok, emp_ok)) | (
        ~Exists(own) & (~Exists(site) | Exists(site.filter(dept_ok, emp_ok)))
    )


def policy_denied_sql(actor) -> tuple[str, list]:
    """The ids of the policies that restrict booking to some departments or employers and leave this agent
    out (`policy_allows_q` the other way round), as one uncorrelated SQL subquery with its parameters.

    The free-room finder already joins each room's effective policy; it tests that policy's id against this
    set, which PostgreSQL computes once and hashes, instead of the four correlated EXISTS per room and policy
    a literal translation of `policy_allows_q` needs (planning them cost the finder more than the search
    itself for a small kind of resource: B5 vehicles)."""
    deps = BookingPolicy.departments.through._meta.db_table
    emps = BookingPolicy.employers.through._meta.db_table
    marks = ", ".join(["%s"] * len(actor.department_ids)) or "NULL"
    sql = (
        f"SELECT d.bookingpolicy_id FROM {deps} d GROUP BY d.bookingpolicy_id "  # noqa: S608  (names from the models)
        f"HAVING SUM(CASE WHEN d.department_id IN ({marks}) THEN 1 ELSE 0 END) = 0 "
        f"UNION SELECT e.bookingpolicy_id FROM {emps} e GROUP BY e.bookingpolicy_id "
        "HAVING SUM(CASE WHEN e.organisation_id = %s THEN 1 ELSE 0 END) = 0"
    )
    return sql, [*actor.department_ids, getattr(actor.user, "employer_id", None)]


# --- One slot ----------------------------------------------------------------------------------------------


def _hm(value) -> str:
    return value.strftime("%H:%M")


def open_days_label(policy: BookingPolicy) -> str:
    days = policy.open_weekdays
    if days == list(range(1, 8)):
        return _("tous les jours")
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return _("du %(first)s au %(last)s") % {
            "first": Weekday(days[0]).label,
            "last": Weekday(days[-1]).label,
        }
    return ", ".join(str(Weekday(d).label) for d in days)


def is_open_day(policy: BookingPolicy, day: date) -> bool:
    if str(day.isoweekday()) not in policy.open_days:
        return False
    return not (policy.closed_on_public_holidays and day in public_holidays(day.year))


def window_end(policy: BookingPolicy, now: datetime | None = None) -> datetime:
    days = min(policy.window_days, settings.ROOMS_BOOKING_HORIZON_DAYS)
    return (now or timezone.now()) + timedelta(days=days)


def check_slot(
    *,
    actor,
    room: Room,
    start: datetime,
    end: datetime,
    attendees: int = 1,
    check_past: bool = True,
    policy: BookingPolicy | None = None,
) -> None:
    """Every rule of one slot, as a French ValidationError; the permission to book included."""
    from .permissions import can_book

    policy = policy or policy_for(room)
    name = room.name
    now = timezone.now()
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(_("Les heures doivent indiquer leur fuseau horaire."), code="naive")
    if end <= start:
        raise ValidationError(
            _("L'heure de fin doit être postérieure à l'heure de début."), code="end_before_start"
        )
    if check_past and start < now - timedelta(minutes=1):
        raise ValidationError(_("Ce créneau est dans le passé : choisissez une date à venir."), code="past")
    horizon = min(policy.window_days, settings.ROOMS_BOOKING_HORIZON_DAYS)
    if start > now + timedelta(days=horizon):
        raise ValidationError(
            _(
                "« %(room)s » se réserve %(days)s jours à l'avance au plus, soit jusqu'au %(date)s "
                "(règle « fenêtre de réservation »)."
            ),
            params={
                "room": name,
                "days": horizon,
                "date": date_format(to_local(now + timedelta(days=horizon)).date(), "j F Y"),
            },
            code="too_far",
        )
    minutes = (end - start).total_seconds() / 60
    if minutes < policy.min_duration:
        raise ValidationError(
            _("« %(room)s » se réserve pour %(min)s minutes au moins (règle « durée minimale »)."),
            params={"room": name, "min": policy.min_duration},
            code="too_short",
        )
    if minutes > policy.max_duration:
        raise ValidationError(
            _(
                "« %(room)s » se réserve pour %(max)s minutes au plus (règle « durée maximale ») : "
                "raccourcissez le créneau."
            ),
            params={"room": name, "max": policy.max_duration},
            code="too_long",
        )
    ls, le = to_local(start), to_local(end)
    if str(ls.isoweekday()) not in policy.open_days or le.date() != ls.date():
        raise ValidationError(
            _("« %(room)s » est fermée ce jour-là : elle ouvre %(days)s, de %(opens)s à %(closes)s."),
            params={
                "room": name,
                "days": open_days_label(policy),
                "opens": _hm(policy.opens_at),
                "closes": _hm(policy.closes_at),
            },
            code="closed_day",
        )
    if policy.closed_on_public_holidays and ls.date() in public_holidays(ls.year):
        raise ValidationError(
            _("Le %(date)s est un jour férié : « %(room)s » est fermée les jours fériés."),
            params={"room": name, "date": date_format(ls.date(), "l j F Y")},
            code="holiday",
        )
    if ls.time() < policy.opens_at or le.time() > policy.closes_at:
        raise ValidationError(
            _(
                "« %(room)s » est ouverte de %(opens)s à %(closes)s : "
                "choisissez un créneau dans ces horaires."
            ),
            params={"room": name, "opens": _hm(policy.opens_at), "closes": _hm(policy.closes_at)},
            code="closed_hours",
        )
    if attendees < 1:
        raise ValidationError(_("Indiquez au moins un participant."), code="attendees")
    if room.kind != ResourceKind.EQUIPMENT and attendees > room.capacity:
        raise ValidationError(
            _(
                "« %(room)s » accueille %(capacity)s personnes au plus : "
                "choisissez une ressource plus grande."
            ),
            params={"room": name, "capacity": room.capacity},
            code="capacity",
        )
    if not room.is_active or not can_book(actor, room):
        raise ValidationError(
            _("« %(room)s » est réservée à certains services : vous ne pouvez pas la réserver."),
            params={"room": name},
            code="not_allowed",
        )


def check_kind(room: Room, *, quantity: int = 1, licence_confirmed: bool = False) -> None:
    """What the kind of resource asks of a booking: a driving licence for a vehicle, a quantity within what
    is held for equipment, one unit for anything else."""
    if room.kind == ResourceKind.VEHICLE and not licence_confirmed:
        raise ValidationError(
            _(
                "Pour réserver le véhicule « %(room)s », confirmez que vous êtes titulaire d'un permis de "
                "conduire valide (case à cocher)."
            ),
            params={"room": room.name},
            code="licence",
        )
    if quantity < 1:
        raise ValidationError(_("Indiquez une quantité d'au moins 1."), code="quantity")
    if room.kind != ResourceKind.EQUIPMENT and quantity != 1:
        raise ValidationError(
            _("« %(room)s » se réserve à l'unité : la quantité est 1."),
            params={"room": room.name},
            code="quantity",
        )
    if quantity > room.quantity_held:
        raise ValidationError(
            ngettext(
                "« %(room)s » : %(held)s exemplaire détenu, vous en demandez %(asked)s.",
                "« %(room)s » : %(held)s exemplaires détenus, vous en demandez %(asked)s.",
                room.quantity_held,
            )
            % {"room": room.name, "held": room.quantity_held, "asked": quantity},
            code="quantity",
        )


def peak_out(loans: list[tuple[datetime, datetime, int]], start: datetime, end: datetime) -> int:
    """The largest quantity out at any instant of [start, end) among `loans` (start, end, quantity)."""
    events = []
    for s, e, q in loans:
        if s < end and e > start:
            events += [(max(s, start), q), (min(e, end), -q)]
    peak = out = 0
    for _at, delta in sorted(events, key=lambda x: (x[0], x[1])):  # returns before departures at a tie
        out += delta
        peak = max(peak, out)
    return peak


def check_stock(room: Room, start: datetime, end: datetime, quantity: int, *, exclude_pks=()) -> None:
    """Never more out than held. Call after locking the resource row (`SELECT … FOR UPDATE`): the lock
    serialises the loans of one item, which an exclusion constraint cannot do for a sum."""
    from .queries import blocking_overlap

    loans = list(
        blocking_overlap(Booking.objects.filter(room=room), start, end)
        .exclude(pk__in=list(exclude_pks))
        .values_list("start", "end", "quantity")
    )
    left = room.quantity_held - peak_out(loans, start, end)
    if quantity > left:
        raise ValidationError(
            ngettext(
                "Il ne reste que %(left)s « %(room)s » disponible sur ce créneau (%(held)s détenus) : "
                "demandez-en moins ou choisissez un autre créneau.",
                "Il ne reste que %(left)s « %(room)s » disponibles sur ce créneau (%(held)s détenus) : "
                "demandez-en moins ou choisissez un autre créneau.",
                max(left, 0),
            )
            % {"left": max(left, 0), "room": room.name, "held": room.quantity_held},
            code="stock",
        )


def check_series_length(room: Room, count: int, policy: BookingPolicy | None = None) -> None:
    policy = policy or policy_for(room)
    if policy.max_series_occurrences and count > policy.max_series_occurrences:
        raise ValidationError(
            _(
                "Les règles de « %(room)s » limitent une série à %(max)s occurrences ; celle-ci en compte "
                "%(count)s : raccourcissez-la."
            ),
            params={"room": room.name, "max": policy.max_series_occurrences, "count": count},
            code="series_too_long",
        )


# --- Rules that depend on other bookings (run after locking the resource) --------------------------------


def buffer_clashes(
    room: Room, slots: list[tuple[datetime, datetime]], *, exclude_pks=(), policy: BookingPolicy | None = None
) -> dict[int, str]:
    """{index: French reason} of the slots closer than the policy's buffer to another live booking of the
    resource (real overlaps are the exclusion constraint's business). One query."""
    from .queries import blocking_overlap

    policy = policy or policy_for(room)
    if not policy.buffer_minutes or not slots:
        return {}
    gap = timedelta(minutes=policy.buffer_minutes)
    first, last = min(s for s, _e in slots), max(e for _s, e in slots)
    busy = list(
        blocking_overlap(Booking.objects.filter(room=room), first - gap, last + gap)
        .exclude(pk__in=list(exclude_pks))
        .values_list("start", "end")
    )
    found = {}
    for i, (s, e) in enumerate(slots):
        for bs, be in busy:
            near = bs < e + gap and be > s - gap
            if near and not (bs < e and be > s):
                found[i] = buffer_message(room, policy, bs, be)
                break
    return found


def check_buffer(
    room: Room, start: datetime, end: datetime, *, exclude_pks=(), policy: BookingPolicy | None = None
) -> None:
    """Refuse a slot closer than the policy's buffer to another live booking of the resource."""
    found = buffer_clashes(room, [(start, end)], exclude_pks=exclude_pks, policy=policy)
    if found:
        raise ValidationError(found[0], code="buffer")


def buffer_message(room: Room, policy: BookingPolicy, start: datetime, end: datetime) -> str:
    return _(
        "« %(room)s » demande %(gap)s minutes libres entre deux réservations (règle « battement ») : "
        "la réservation de %(start)s à %(end)s est trop proche."
    ) % {
        "room": room.name,
        "gap": policy.buffer_minutes,
        "start": _hm(to_local(start)),
        "end": _hm(to_local(end)),
    }


def governed_bookings(policy: BookingPolicy):
    """Bookings of the resources this policy governs."""
    if policy.room_id:
        return Booking.objects.filter(room_id=policy.room_id)
    if policy.site_id:
        return Booking.objects.filter(room__site_id=policy.site_id, room__own_policy__isnull=True)
    return Booking.objects.none()


def _week_of(value: datetime) -> date:
    day = to_local(value).date()
    return day - timedelta(days=day.weekday())


@dataclass
class QuotaRefusal:
    index: int  # position in the slots checked
    message: str


def check_quota(
    *, requester, room: Room, slots: list[tuple[datetime, datetime]], exclude_pks=(), policy=None
) -> list[QuotaRefusal]:
    """The slots (in order) that would break the agent's quota, each with its French reason; the others fit
    together. One or two queries, whatever the number of slots."""
    policy = policy or policy_for(room)
    if not slots or (not policy.max_active_bookings and not policy.max_hours_per_week):
        return []
    live = governed_bookings(policy).filter(requester=requester, status__in=BLOCKING_STATUSES)
    live = live.exclude(pk__in=list(exclude_pks))
    active = 0
    if policy.max_active_bookings:
        active = live.filter(end__gt=timezone.now()).count()
    hours: dict[date, float] = {}
    if policy.max_hours_per_week:
        first = min(s for s, _e in slots) - timedelta(days=8)
        last = max(e for _s, e in slots) + timedelta(days=8)
        for s, e in live.filter(start__lt=last, end__gt=first).values_list("start", "end"):
            week = _week_of(s)
            hours[week] = hours.get(week, 0) + (e - s).total_seconds() / 3600
    refused = []
    for i, (s, e) in enumerate(slots):
        if policy.max_active_bookings and active + 1 > policy.max_active_bookings:
            refused.append(
                QuotaRefusal(
                    i,
                    ngettext(
                        "Quota atteint : %(max)s réservation en cours par agent pour « %(room)s » "
                        "(vous en avez %(have)s).",
                        "Quota atteint : %(max)s réservations en cours par agent pour « %(room)s » "
                        "(vous en avez %(have)s).",
                        policy.max_active_bookings,
                    )
                    % {"max": policy.max_active_bookings, "room": room.name, "have": active},
                )
            )
            continue
        week = _week_of(s)
        length = (e - s).total_seconds() / 3600
        if policy.max_hours_per_week and hours.get(week, 0) + length > policy.max_hours_per_week:
            refused.append(
                QuotaRefusal(
                    i,
                    _(
                        "Quota atteint : %(max)s h par semaine et par agent pour « %(room)s » ; "
                        "la semaine du %(week)s en compte déjà %(have)s h."
                    )
                    % {
                        "max": policy.max_hours_per_week,
                        "room": room.name,
                        "week": date_format(week, "j F"),
                        "have": f"{hours.get(week, 0):g}",
                    },
                )
            )
            continue
        active += 1
        hours[week] = hours.get(week, 0) + length
    return refused


def raise_quota(refused: list[QuotaRefusal]) -> None:
    if refused:
        raise ValidationError(refused[0].message, code="quota")


# --- Policy edits -----------------------------------------------------------------------------------------


def breaches(policy: BookingPolicy, booking: Booking) -> str:
    """Why an existing booking no longer fits the policy's slot rules ("" if it does)."""
    ls, le = to_local(booking.start), to_local(booking.end)
    minutes = (booking.end - booking.start).total_seconds() / 60
    if minutes < policy.min_duration:
        return _("plus courte que la durée minimale (%(min)s min)") % {"min": policy.min_duration}
    if minutes > policy.max_duration:
        return _("plus longue que la durée maximale (%(max)s min)") % {"max": policy.max_duration}
    if not is_open_day(policy, ls.date()) or le.date() != ls.date():
        return _("un jour de fermeture")
    if ls.time() < policy.opens_at or le.time() > policy.closes_at:
        return _("hors des horaires d'ouverture (%(opens)s–%(closes)s)") % {
            "opens": _hm(policy.opens_at),
            "closes": _hm(policy.closes_at),
        }
    return ""
