"""Reads of the agenda: the month grid, the list, an event's page, the dashboard panel and the feeds. Each
listing is one query for the events (with the viewer's registration status alongside) plus the audience
keys (one cached query per request) and, when some events name a room booking, one for their places."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from intranet import registry

from .choices import RegistrationStatus
from .models import EventIndexPage, EventPage, Registration
from .permissions import abilities, is_organiser

LISTING_FIELDS = (
    "id",
    "title",
    "slug",
    "url_path",
    "path",
    "depth",
    "locale_id",
    "live",
    "intro",
    "start",
    "end",
    "place",
    "room_booking_id",
    "online_url",
    "registration_enabled",
    "capacity",
    "cancelled_at",
    "audience_everyone",
    "organiser_id",
    "owner_id",
)


def events_for(user):
    """Events `user` may see, with their own registration status (None when not registered)."""
    mine = Registration.objects.filter(event=OuterRef("pk"), user=user).values("status")[:1]
    return EventPage.objects.for_user(user).only(*LISTING_FIELDS).annotate(my_status=Subquery(mine))


def attach_places(events) -> list:
    """Each event's `booked_place` (the linked room booking, through the rooms hook): one query for all."""
    events = list(events)
    link = registry.room_booking_link()
    ids = {e.room_booking_id for e in events if e.room_booking_id}
    places = link.describe(ids) if (link and ids) else {}
    for e in events:
        e.booked_place = places.get(e.room_booking_id)
    return events


def index_url() -> str:
    return "/agenda/"


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    events: list = field(default_factory=list)


def parse_month(value: str | None, today: date) -> date | None:
    """« 2026-12 » → the first of that month; None for anything else (the view says so in French)."""
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(p) for p in value.split("-", 1))
        if not (1900 <= year <= 2200 and 1 <= month <= 12):
            return None
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def month_grid(user, first: date, today: date) -> dict:
    """The weeks (Monday first) of the month holding `first`, each day with its events; one query."""
    tz = timezone.get_current_timezone()
    cal = calendar.Calendar(firstweekday=0)
    weeks_dates = cal.monthdatescalendar(first.year, first.month)
    grid_start = datetime.combine(weeks_dates[0][0], time.min, tzinfo=tz)
    grid_end = datetime.combine(weeks_dates[-1][-1] + timedelta(days=1), time.min, tzinfo=tz)
    events = attach_places(events_for(user).between(grid_start, grid_end).order_by("start", "pk"))
    days = {d: Day(d, d.month == first.month, d == today) for week in weeks_dates for d in week}
    for e in events:
        day = timezone.localtime(e.start, tz).date()
        last = timezone.localtime(e.end - timedelta(microseconds=1), tz).date()
        while day <= last:
            if day in days:
                days[day].events.append(e)
            day += timedelta(days=1)
    weeks = [[days[d] for d in week] for week in weeks_dates]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "month": first,
        "weeks": weeks,
        "previous_month": previous,
        "next_month": following,
        "has_events": any(d.events for week in weeks for d in week if d.in_month),
    }


def upcoming_list(user, *, now, mine_only: bool = False, limit: int = 200) -> list:
    """The events that have not ended, soonest first (mine only: registered or waiting)."""
    qs = events_for(user).upcoming(now)
    if mine_only:
        qs = qs.filter(registrations__user=user)
    return attach_places(qs.order_by("start", "pk")[:limit])


def event_detail_context(request, event) -> dict:
    """The event page: the viewer's registration and place in the queue, the counts, and for organisers the
    list of registrants; a constant number of queries."""
    user, now = request.user, timezone.now()
    counts = Registration.objects.filter(event=event).aggregate(
        registered=Count("pk", filter=Q(status=RegistrationStatus.REGISTERED)),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
    )
    mine = Registration.objects.filter(event=event, user=user).first()
    position = None
    if mine is not None and mine.status == RegistrationStatus.WAITING:
        position = (
            Registration.objects.filter(event=event, status=RegistrationStatus.WAITING)
            .filter(Q(created_at__lt=mine.created_at) | Q(created_at=mine.created_at, pk__lt=mine.pk))
            .count()
            + 1
        )
    registrants = None
    if is_organiser(user, event):
        registrants = list(
            Registration.objects.filter(event=event)
            .select_related("user")
            .only("status", "created_at", "user__first_name", "user__last_name", "user__username")
            .order_by("status", "created_at", "pk")
        )
    attach_places([event])
    places_left = None
    if event.capacity is not None:
        places_left = max(event.capacity - counts["registered"], 0)
    return {
        "registration": mine,
        "waiting_position": position,
        "counts": counts,
        "places_left": places_left,
        "registrants": registrants,
        "abilities": abilities(user, event, now=now),
        "now": now,
    }


def dashboard_events(user, *, now, limit: int = 5) -> list:
    """My next events: those I am registered or waiting for first, then the other upcoming ones addressed to
    me; one query."""
    mine = Registration.objects.filter(event=OuterRef("pk"), user=user)
    rows = list(
        events_for(user)
        .upcoming(now)
        .filter(cancelled_at__isnull=True)
        .annotate(is_mine=Exists(mine))
        .order_by("-is_mine", "start", "pk")[:limit]
    )
    return sorted(rows, key=lambda e: (e.start, e.pk))


def feed_events(user, *, mine_only: bool, now) -> list:
    """The feed: events that ended less than 90 days ago or later (cancelled ones too: their STATUS
    reaches the calendar)."""
    qs = events_for(user).filter(end__gt=now - timedelta(days=90))
    if mine_only:
        qs = qs.filter(registrations__user=user)
    return attach_places(qs.order_by("start", "pk")[:500])


def agenda_index() -> EventIndexPage | None:
    return EventIndexPage.objects.live().first()
