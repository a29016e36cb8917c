"""Room booking journey in headless Chromium: an agent finds a free room with a projector for 8 people
tomorrow 10:00–11:00, books it, the manager approves from « Mes validations », the requester sees it
confirmed — with an axe check on every rooms page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rooms_world(host_org, make_user):
    from rooms.models import BookingPolicy, Equipment, Room, Site

    agent = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    manager = make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre")
    projector = Equipment.objects.create(name="Vidéoprojecteur", slug="videoprojecteur")
    Equipment.objects.create(name="Tableau blanc", slug="tableau-blanc")
    site = Site.objects.create(name="Siège communautaire", slug="siege", address="Hazebrouck")
    # "tomorrow" may be a Saturday or a public holiday
    BookingPolicy.objects.create(
        name="Siège", site=site, open_days="1234567", closed_on_public_holidays=False
    )
    tiny = Room.objects.create(name="Bulle", slug="bulle", site=site, capacity=4)
    tiny.equipment.set([projector])
    room = Room.objects.create(
        name="Salle des Flandres",
        slug="flandres",
        site=site,
        capacity=10,
        requires_approval=True,
    )
    room.equipment.set([projector])
    room.managers.set([manager])
    big = Room.objects.create(name="Salle du conseil", slug="conseil", site=site, capacity=80)
    big.equipment.set([projector])
    return {"agent": agent, "manager": manager, "room": room, "site": site}


def test_agent_books_with_the_finder_and_manager_approves(page, login, rooms_world):
    from rooms.queries import today_local

    tomorrow = today_local() + timedelta(days=1)
    login("marie.dupont")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Salles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Salles de réunion")
    assert_accessible(page)

    page.get_by_role("link", name="Salle des Flandres").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Salle des Flandres")
    assert_accessible(page)

    page.get_by_role("link", name="Siège communautaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planning de Siège communautaire")
    assert_accessible(page)

    page.goto("/salles/trouver/")
    assert_accessible(page)
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label(re.compile(r"^De( |$)")).fill("10:00")
    page.get_by_label(re.compile(r"^À( |$)")).fill("11:00")
    page.get_by_label("Participants").fill("8")
    page.get_by_label("Vidéoprojecteur").check()
    page.get_by_role("button", name="Chercher").click()
    results = page.locator("#finder-results")
    expect(results).to_contain_text("2 salles libres")
    # smallest sufficient room first; the 4-seat room is not offered
    expect(results.locator("h3").first).to_have_text("Salle des Flandres")
    expect(results).not_to_contain_text("Bulle")
    assert_accessible(page)

    page.get_by_role("link", name="Réserver Salle des Flandres").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Réserver Salle des Flandres")
    expect(page.get_by_label("Début")).to_have_value("10:00")
    assert_accessible(page)
    page.get_by_label("Objet").fill("Comité de pilotage PLUi")
    page.get_by_role("button", name="Réserver", exact=True).click()
    expect(page.locator("#booking-status")).to_have_text("en attente de validation")
    assert_accessible(page)

    page.get_by_role("link", name="Modifier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modifier")
    assert_accessible(page)
    page.goto(f"/salles/{rooms_world['room'].pk}/prochains-creneaux/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prochains créneaux libres")
    assert_accessible(page)

    page.goto("/salles/mes-reservations/")
    expect(page.get_by_role("link", name="Comité de pilotage PLUi")).to_be_visible()
    assert_accessible(page)
    page.goto("/salles/agenda/")
    assert_accessible(page)

    page.context.clear_cookies()
    login("helene.lefebvre")
    page.goto("/salles/mes-validations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes validations")
    assert_accessible(page)
    page.get_by_role("button", name="Valider « Comité de pilotage PLUi »").click()
    expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    login("marie.dupont")
    page.goto("/salles/mes-reservations/")
    row = page.get_by_role("row", name="Comité de pilotage PLUi")
    expect(row).to_contain_text("confirmée")
    page.get_by_role("link", name="Comité de pilotage PLUi").click()
    expect(page.locator("#booking-status")).to_have_text("confirmée")
