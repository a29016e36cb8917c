"""An event held in a room booking: the place comes from the rooms app through the registry hook (events never
imports rooms); only a live booking of the editor's own can be linked."""

from datetime import timedelta

from events.models import EventPage
from intranet import registry
from rooms.models import Booking, Room, Site

from .conftest import soon


def make_booking(requester, *, status="approved"):
    site = Site.objects.create(name="Siège communautaire", slug="siege", address="Hazebrouck")
    room = Room.objects.create(name="Salle du conseil", slug="conseil", site=site, capacity=30)
    start = soon(days=4)
    return Booking.objects.create(
        room=room,
        requester=requester,
        title="Réunion",
        start=start,
        end=start + timedelta(hours=2),
        status=status,
    )


def test_event_page_and_list_show_the_booked_room(client, territory, publish_event):
    booking = make_booking(territory.organiser)
    event = publish_event("Atelier", place="", room_booking_id=booking.pk)
    client.force_login(territory.hr_agent)
    html = client.get(event.url).content.decode()
    assert "Salle du conseil, Siège communautaire" in html and f"/salles/reservations/{booking.pk}/" in html
    assert "Salle du conseil, Siège communautaire" in client.get("/agenda/liste/").content.decode()
    ics = client.get(event.url + "ical/").content.decode().replace("\r\n ", "")
    assert "LOCATION:Salle du conseil\\, Siège communautaire" in ics


def test_only_a_live_booking_of_ones_own_can_be_linked(territory):
    link = registry.room_booking_link()
    assert link is not None  # rooms registered it in its ready()
    booking = make_booking(territory.organiser)
    assert link.validate(booking.pk, territory.organiser) is None
    assert "pas la vôtre" in link.validate(booking.pk, territory.hr_agent)
    assert "pas la vôtre" in link.validate(booking.pk + 1000, territory.organiser)
    Booking.objects.filter(pk=booking.pk).update(status="cancelled")
    assert "annulée ou refusée" in link.validate(booking.pk, territory.organiser)


def test_admin_form_refuses_someone_elses_booking(territory):
    booking = make_booking(territory.hr_agent)
    form_class = EventPage.get_edit_handler().get_form_class()
    start = soon(days=5)
    data = {
        "title": "Atelier",
        "slug": "atelier",
        "start": start.strftime("%Y-%m-%d %H:%M"),
        "end": (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "room_booking_id": str(booking.pk),
        "audience_everyone": "on",
    }
    form = form_class(data, instance=EventPage(), parent_page=territory.index, for_user=territory.organiser)
    assert not form.is_valid()
    assert "pas la vôtre" in str(form.errors["room_booking_id"])
    form = form_class(data, instance=EventPage(), parent_page=territory.index, for_user=territory.hr_agent)
    form.is_valid()
    assert "room_booking_id" not in form.errors, form.errors
