"""« Mes validations » at 390 px in headless Chromium with a booking a policy edit left outside the rules:
the rule it breaks is shown, keep and cancel fit the screen (no sideways scrolling), axe clean before and
after opening the cancel form; keeping it removes it from the list (issue 20)."""

from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_flagged_bookings_to_review_at_390(page, login, host_org, make_user):
    from rooms.actions import booking_request
    from rooms.models import BookingPolicy, Room, Site
    from rooms.queries import today_local
    from rooms.recurrence import is_working_day, local_datetime

    manager = make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre")
    agent = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    site = Site.objects.create(name="Siège communautaire", slug="siege", address="Hazebrouck")
    room = Room.objects.create(
        name="Salle du conseil communautaire", slug="conseil", site=site, capacity=30, requires_approval=True
    )
    room.managers.set([manager])
    day = today_local() + timedelta(days=7)
    while not is_working_day(day):
        day += timedelta(days=1)
    booking_request(
        room=room,
        requester=agent,
        title="Commission des finances élargie",
        start=local_datetime(day, time(17)),
        end=local_datetime(day, time(18, 30)),
    )
    BookingPolicy.objects.create(name="Conseil", room=room, closes_at=time(18))

    page.set_viewport_size({"width": 390, "height": 844})
    login("helene.lefebvre")
    page.goto("/salles/mes-validations/#a-revoir")
    section = page.locator("section[aria-labelledby='a-revoir']")
    expect(section.get_by_role("heading", level=2)).to_have_text(
        "Réservations à revoir après un changement de règles"
    )
    expect(section).to_contain_text("hors des horaires d'ouverture (08:00–18:00)")
    assert _overflow(page) <= 0
    assert_accessible(page)
    section.get_by_text("Annuler « Commission des finances élargie »…").click()
    expect(section.get_by_label("Motif de l'annulation (envoyé au demandeur)")).to_be_visible()
    assert _overflow(page) <= 0
    assert_accessible(page)
    section.get_by_role("button", name="Maintenir « Commission des finances élargie »").click()
    expect(page.get_by_text("maintenue : elle ne sera plus signalée")).to_be_visible()
    expect(page.locator("section[aria-labelledby='a-revoir']")).to_have_count(0)
    assert_accessible(page)
