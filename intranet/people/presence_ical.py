"""The team absence calendar (iCalendar, RFC 5545): one all-day VEVENT per absence whose dates the agent
shows, « Absent·e : Prénom Nom », nothing else. No reason, no description, whatever the subscriber."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

PRODID = "-//CCFI//Intranet des agents - presence//FR"


def team_feed(name: str, rows, *, host: str) -> bytes:
    """`rows`: (agent, first day, last day, uid) as `presence.team_absences` returns them."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    stamp = timezone.now()
    for person, start, end, uid in rows:
        ev = Event()
        ev.add("uid", f"{uid}@{host}")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", end + timedelta(days=1))  # all-day events end the day after (exclusive)
        ev.add("summary", _("Absent·e : %(name)s") % {"name": person.get_full_name() or person.username})
        ev.add("transp", "TRANSPARENT")
        ev.add("class", "PUBLIC")
        cal.add_component(ev)
    return cal.to_ical()
