"""iCalendar (RFC 5545) for feeds and invitations: one VEVENT per booking with a stable UID, STATUS
TENTATIVE / CONFIRMED / CANCELLED, times in Europe/Paris with its VTIMEZONE.

Privacy rule (docs/rooms.md): a booking's title, requester and description are written only for people who
may see them (the requester, the room's managers); anyone else gets « Occupé » and the room, nothing more.
"""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Calendar, Event, Timezone

from .choices import BookingStatus
from .recurrence import PARIS

_STATUS = {
    BookingStatus.PENDING: "TENTATIVE",
    BookingStatus.APPROVED: "CONFIRMED",
}
PRODID = "-//CCFI//Intranet des agents - salles//FR"


def _calendar(name: str, method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add_component(Timezone.from_tzinfo(PARIS, "Europe/Paris"))
    return cal


def _event(booking, *, details: bool) -> Event:
    ev = Event()
    ev.add("uid", booking.uid)
    ev.add("dtstamp", timezone.now())
    ev.add("dtstart", booking.start.astimezone(PARIS))
    ev.add("dtend", booking.end.astimezone(PARIS))
    ev.add("status", _STATUS.get(booking.status, "CANCELLED"))
    ev.add("sequence", int((booking.decided_at or booking.created_at).timestamp()) % 2_000_000_000)
    location = booking.room.name + (f", {booking.room.site.name}" if booking.room.site_id else "")
    ev.add("location", location)
    if details:
        ev.add("summary", booking.title)
        who = booking.requester.get_full_name() or booking.requester.username
        ev.add(
            "description",
            ngettext(
                "Réservé par %(who)s · %(n)s participant",
                "Réservé par %(who)s · %(n)s participants",
                booking.attendees,
            )
            % {"who": who, "n": booking.attendees},
        )
        ev.add("url", settings.SITE_URL + reverse("rooms:booking", args=[booking.pk]))
    else:
        ev.add("summary", _("Occupé"))
        ev.add("class", "PRIVATE")
    return ev


def feed(name: str, bookings, *, can_see) -> bytes:
    cal = _calendar(name)
    for b in bookings:
        cal.add_component(_event(b, details=can_see(b)))
    return cal.to_ical()


def invitation(booking) -> bytes:
    """The .ics attached to a confirmation e-mail (METHOD:PUBLISH: an event to add, nothing to answer)."""
    cal = _calendar(booking.room.name, method="PUBLISH")
    cal.add_component(_event(booking, details=True))
    return cal.to_ical()
