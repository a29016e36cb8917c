"""The agenda in headless Chromium: an agent finds an event in the month grid, registers, and the page says
so; axe on every agenda page, and no sideways scroll at 390 px (the grid becomes a list of days)."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def agenda(host_org, make_user):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from events.actions import registration_create
    from events.demo import agenda_index_ensure
    from events.models import EventPage

    organiser = make_user("camille.martin", first_name="Camille", last_name="Martin", employer=host_org)
    make_user("marine.petit", first_name="Marine", last_name="Petit", employer=host_org)
    index = agenda_index_ensure()
    day = timezone.localdate() + timedelta(days=2)
    start = datetime(day.year, day.month, day.day, 9, 30, tzinfo=timezone.get_current_timezone())
    events = []
    for i, title in enumerate(
        ("Petit-déjeuner des nouveaux arrivants", "Webinaire : la GED en trente minutes")
    ):
        page = EventPage(
            title=title,
            slug=f"evenement-{i}",
            intro="Un rendez-vous des agents.",
            start=start + timedelta(hours=3 * i),
            end=start + timedelta(hours=3 * i + 1),
            place="Salle du conseil, Hazebrouck",
            registration_enabled=True,
            capacity=1,
            organiser=organiser,
            owner=organiser,
        )
        index.add_child(instance=page)
        page.save_revision(user=organiser).publish()
        events.append(page)
    registration_create(event=events[1], user=organiser)
    return {"events": events, "month": start.strftime("%Y-%m")}


def test_agent_registers_from_the_month_grid(page, login, agenda):
    login("marine.petit")
    page.goto(f"/agenda/?mois={agenda['month']}")
    assert_accessible(page)
    page.get_by_role("link", name="Petit-déjeuner des nouveaux arrivants").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Petit-déjeuner des nouveaux arrivants")
    assert_accessible(page)
    page.get_by_role("button", name="M'inscrire").click()
    expect(page.locator(".messages")).to_contain_text("Vous êtes inscrit·e.")
    assert_accessible(page)
    page.goto("/agenda/liste/")
    assert_accessible(page)
    page.goto("/agenda/abonnement/")
    page.get_by_role("button", name="Créer mes adresses d'abonnement").click()
    assert "/agenda/flux/" in page.get_by_label("Tous les événements qui vous sont destinés").input_value()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["month", "/agenda/liste/", "event"])
def test_agenda_pages_at_390_px(page, login, agenda, path):
    page.set_viewport_size(PHONE)
    login("marine.petit")
    target = {"month": f"/agenda/?mois={agenda['month']}", "event": agenda["events"][1].url}.get(path, path)
    page.goto(target)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at 390 px"
    assert_accessible(page)
