"""iCalendar (RFC 5545) of the agenda: one VEVENT per event with a stable UID, STATUS CONFIRMED or
CANCELLED, times in Europe/Paris with its VTIMEZONE."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags
from icalendar import Calendar, Event, Timezone

PARIS = ZoneInfo("Europe/Paris")
PRODID = "-//CCFI//Intranet des agents - agenda//FR"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add_component(Timezone.from_tzinfo(PARIS, "Europe/Paris"))
    return cal


def location(event) -> str:
    place = getattr(event, "booked_place", None)
    parts = [p for p in (event.place, place.label if place else "") if p]
    return " · ".join(dict.fromkeys(parts))


def _event(event) -> Event:
    ev = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "intranet"
    ev.add("uid", f"event-{event.pk}@{host}")
    ev.add("dtstamp", timezone.now())
    ev.add("dtstart", event.start.astimezone(PARIS))
    ev.add("dtend", event.end.astimezone(PARIS))
    ev.add("summary", event.title)
    ev.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    ev.add("sequence", 1 if event.cancelled_at else 0)
    where = location(event)
    if where:
        ev.add("location", where)
    description = "\n\n".join(p for p in (event.intro, strip_tags(getattr(event, "body", "") or "")) if p)
    if event.online_url:
        description = (description + "\n\n" if description else "") + event.online_url
    if description:
        ev.add("description", description)
    url = event.url or ""
    if url:
        ev.add("url", url if url.startswith(("https://", "http://")) else settings.SITE_URL.rstrip("/") + url)
    return ev


def feed(name: str, events) -> bytes:
    cal = _calendar(name)
    for e in events:
        cal.add_component(_event(e))
    return cal.to_ical()


def single(event) -> bytes:
    return feed(event.title, [event])
