"""Wall-clock times in Europe/Paris, series rules and their bounded expansion, working days.

Rules (documented in docs/rooms.md):
- A series is expanded on *local dates*, then each occurrence gets the series' local start and end times:
  a weekly 09:00 meeting stays at 09:00 across the March and October changes.
- A local time that does not exist (the hour skipped in March, e.g. 02:30 on 2026-03-29) is refused; a local
  time that exists twice (October) is read as the first one (summer time, fold=0).
- Only DAILY, WEEKLY and MONTHLY rules, with INTERVAL, BYDAY (weekly) and COUNT or UNTIL; at most
  ROOMS_SERIES_MAX_OCCURRENCES occurrences and ROOMS_SERIES_MAX_DAYS days. Anything else is refused with a
  French message before any expansion, so a hostile rule costs nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil import rrule
from dateutil.easter import easter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import Frequency

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
RRULE_MAX_LENGTH = 200
_RRULE_DAYS = {"MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6, "SU": 7}
_DAY_CODES = {v: k for k, v in _RRULE_DAYS.items()}


def local_datetime(day: date, at: time) -> datetime:
    """The aware datetime of a local wall-clock time; refuses a time skipped by the change to summer time."""
    naive = datetime.combine(day, at.replace(tzinfo=None))
    aware = naive.replace(tzinfo=PARIS, fold=0)
    round_trip = aware.astimezone(ZoneInfo("UTC")).astimezone(PARIS)
    if round_trip.replace(tzinfo=None) != naive:
        raise ValidationError(
            _(
                "L'heure %(time)s n'existe pas le %(date)s (passage à l'heure d'été) : choisissez une autre "
                "heure."
            ),
            params={"time": at.strftime("%H:%M"), "date": day.strftime("%d/%m/%Y")},
            code="nonexistent_time",
        )
    # Absolute time from here on: arithmetic between two aware datetimes of the same ZoneInfo is wall-clock
    # arithmetic in Python (01:30 -> 03:30 on the October night would count 2 h instead of 3).
    return aware.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return value.astimezone(PARIS)


# --- Series ------------------------------------------------------------------------------------------------


@dataclass
class SeriesRule:
    frequency: str
    first_date: date
    interval: int = 1
    weekdays: list[int] = field(default_factory=list)  # ISO 1..7, weekly only
    until: date | None = None
    count: int | None = None

    @property
    def weekdays_code(self) -> str:
        return "".join(str(d) for d in sorted(set(self.weekdays)))

    def as_rrule(self) -> str:
        parts = [f"FREQ={self.frequency.upper()}", f"INTERVAL={self.interval}"]
        if self.weekdays:
            parts.append("BYDAY=" + ",".join(_DAY_CODES[d] for d in sorted(set(self.weekdays))))
        if self.count:
            parts.append(f"COUNT={self.count}")
        if self.until:
            parts.append(f"UNTIL={self.until:%Y%m%d}")
        return ";".join(parts)


def max_occurrences() -> int:
    return settings.ROOMS_SERIES_MAX_OCCURRENCES


def max_days() -> int:
    return settings.ROOMS_SERIES_MAX_DAYS


def validate_rule(rule: SeriesRule) -> None:
    """Every check that bounds the expansion, before expanding anything."""
    if rule.frequency not in Frequency.values:
        raise ValidationError(
            _(
                "Fréquence non prise en charge : choisissez tous les jours, toutes les semaines "
                "ou tous les mois."
            ),
            code="frequency",
        )
    if not 1 <= rule.interval <= 52:
        raise ValidationError(_("L'intervalle doit être compris entre 1 et 52."), code="interval")
    if any(d not in range(1, 8) for d in rule.weekdays):
        raise ValidationError(_("Jour de la semaine inconnu."), code="weekdays")
    if rule.weekdays and rule.frequency != Frequency.WEEKLY:
        raise ValidationError(
            _("Les jours de la semaine ne s'indiquent que pour une répétition hebdomadaire."), code="weekdays"
        )
    if rule.until is None and rule.count is None:
        raise ValidationError(
            _("Une série doit avoir une fin : indiquez une date de fin ou un nombre d'occurrences."),
            code="no_end",
        )
    if rule.count is not None and not 1 <= rule.count <= max_occurrences():
        raise ValidationError(
            _("Une série compte au plus %(max)s occurrences : réduisez le nombre demandé."),
            params={"max": max_occurrences()},
            code="count",
        )
    if rule.until is not None:
        if rule.until < rule.first_date:
            raise ValidationError(_("La date de fin de la série précède sa première date."), code="until")
        if (rule.until - rule.first_date).days > max_days():
            raise ValidationError(
                _("Une série ne peut pas dépasser un an : choisissez une date de fin avant le %(limit)s."),
                params={"limit": (rule.first_date + timedelta(days=max_days())).strftime("%d/%m/%Y")},
                code="too_long",
            )


def expand(rule: SeriesRule) -> list[date]:
    """The occurrence dates; raises ValidationError if the series crosses the caps."""
    validate_rule(rule)
    freq = {Frequency.DAILY: rrule.DAILY, Frequency.WEEKLY: rrule.WEEKLY, Frequency.MONTHLY: rrule.MONTHLY}[
        rule.frequency
    ]
    kwargs = {"dtstart": datetime.combine(rule.first_date, time()), "interval": rule.interval}
    if rule.weekdays:
        kwargs["byweekday"] = [d - 1 for d in sorted(set(rule.weekdays))]
    window_end = rule.first_date + timedelta(days=max_days())
    if rule.count:
        kwargs["count"] = rule.count
    else:
        kwargs["until"] = datetime.combine(min(rule.until, window_end), time())
    # islice bounds the work whatever the rule; one more than the cap tells us it was crossed.
    dates = [d.date() for d in islice(rrule.rrule(freq, **kwargs), max_occurrences() + 1)]
    if len(dates) > max_occurrences():
        raise ValidationError(
            _("Cette série compterait plus de %(max)s occurrences : raccourcissez-la ou espacez-la."),
            params={"max": max_occurrences()},
            code="too_many",
        )
    if dates and dates[-1] > window_end:
        raise ValidationError(
            _("Une série ne peut pas dépasser un an : %(count)s occurrences n'y tiennent pas."),
            params={"count": len(dates)},
            code="too_long",
        )
    if not dates:
        raise ValidationError(_("Cette règle ne produit aucune date."), code="empty")
    return dates


def parse_rrule(text: str, first_date: date) -> SeriesRule:
    """An RFC 5545 RRULE (API clients) turned into a SeriesRule, refusing what we do not support."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        raise ValidationError(_("La règle de répétition est vide."), code="empty")
    if len(text) > RRULE_MAX_LENGTH or "\n" in text or "\r" in text:
        raise ValidationError(
            _("La règle de répétition est trop longue (une seule ligne de %(max)s caractères au plus)."),
            params={"max": RRULE_MAX_LENGTH},
            code="too_long",
        )
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        key, sep, value = chunk.partition("=")
        key = key.strip().upper()
        if not sep or not key or key in parts:
            raise ValidationError(
                _("La règle de répétition est mal formée près de « %(chunk)s »."),
                params={"chunk": chunk[:30]},
                code="malformed",
            )
        parts[key] = value.strip().upper()
    allowed = {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"}
    unknown = sorted(set(parts) - allowed)
    if unknown:
        raise ValidationError(
            _(
                "Élément de règle non pris en charge : %(keys)s. "
                "Seuls FREQ, INTERVAL, BYDAY, COUNT et UNTIL le sont."
            ),
            params={"keys": ", ".join(unknown)[:60]},
            code="unsupported",
        )
    freq = parts.get("FREQ", "")
    if freq in {"SECONDLY", "MINUTELY", "HOURLY"}:
        raise ValidationError(
            _("Une salle ne se réserve pas plusieurs fois par jour en série : fréquence %(freq)s refusée."),
            params={"freq": freq},
            code="subdaily",
        )
    if freq not in {"DAILY", "WEEKLY", "MONTHLY"}:
        raise ValidationError(_("Fréquence inconnue : utilisez DAILY, WEEKLY ou MONTHLY."), code="frequency")

    def small_int(key: str, maximum: int) -> int | None:
        raw = parts.get(key)
        if raw is None:
            return None
        if not raw.isdigit() or len(raw) > 4 or not 1 <= int(raw) <= maximum:
            raise ValidationError(
                _("%(key)s doit être un entier entre 1 et %(max)s."),
                params={"key": key, "max": maximum},
                code="bad_int",
            )
        return int(raw)

    interval = small_int("INTERVAL", 52) or 1
    count = small_int("COUNT", max_occurrences())
    until = None
    if "UNTIL" in parts:
        raw = parts["UNTIL"][:8]
        try:
            until = datetime.strptime(raw, "%Y%m%d").date() if len(parts["UNTIL"]) in (8, 15, 16) else None
        except ValueError:
            until = None
        if until is None:
            raise ValidationError(
                _("UNTIL doit être une date AAAAMMJJ (par exemple 20270630)."), code="bad_until"
            )
    weekdays = []
    if "BYDAY" in parts:
        codes = parts["BYDAY"].split(",")
        if len(codes) > 7 or any(c not in _RRULE_DAYS for c in codes):
            raise ValidationError(
                _("BYDAY n'accepte que des jours simples (MO, TU, WE, TH, FR, SA, SU), chacun une fois."),
                code="bad_byday",
            )
        weekdays = sorted({_RRULE_DAYS[c] for c in codes})
    rule = SeriesRule(
        frequency=freq.lower(),
        first_date=first_date,
        interval=interval,
        weekdays=weekdays,
        until=until,
        count=count,
    )
    validate_rule(rule)
    return rule


# --- Working days ------------------------------------------------------------------------------------------


def public_holidays(year: int) -> set[date]:
    """French public holidays (metropolitan)."""
    e = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return {date(year, m, d) for m, d in fixed} | {
        e + timedelta(days=1),
        e + timedelta(days=39),
        e + timedelta(days=50),
    }


def is_working_day(day: date) -> bool:
    return day.isoweekday() <= 5 and day not in public_holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days strictly after `start` up to and including `end` (0 if end <= start)."""
    n, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            n += 1
    return n
