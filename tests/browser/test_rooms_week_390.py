"""A room's week view at 390 px in headless Chromium: one day at a time, named (« Samedi 12 décembre »),
closed days and hours written « Fermé », never « Libre », a day switcher, no sideways scrolling, axe clean
(issue 20)."""

from datetime import timedelta

import pytest
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def _label(day) -> str:
    with translation.override("fr"):
        return capfirst(date_format(day, "l j F"))


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_week_view_shows_one_named_day_at_a_time_at_390(page, login, host_org, make_user):
    from rooms.models import Room, Site
    from rooms.queries import today_local
    from rooms.recurrence import is_working_day

    make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    site = Site.objects.create(name="Siège communautaire", slug="siege", address="Hazebrouck")
    room = Room.objects.create(name="Salle des Flandres", slug="flandres", site=site, capacity=10)
    # a Saturday whose Friday is a working day (default policy: Monday to Friday, 08:00-19:00)
    saturday = today_local() + timedelta(days=7)
    while saturday.isoweekday() != 6 or not is_working_day(saturday - timedelta(days=1)):
        saturday += timedelta(days=1)

    page.set_viewport_size({"width": 390, "height": 844})
    login("marie.dupont")
    page.goto(f"/salles/{room.pk}/?jour={saturday:%Y-%m-%d}")
    day = page.locator(".week-day")
    expect(page.locator(".week-grid")).to_be_hidden()
    expect(day).to_be_visible()
    expect(day.get_by_role("heading", level=3)).to_have_text(_label(saturday))
    expect(day).to_contain_text("Fermé")
    expect(day).not_to_contain_text("Libre")
    assert _overflow(page) <= 0
    assert_accessible(page)

    day.get_by_role("link", name="Jour précédent").click()
    expect(day.get_by_role("heading", level=3)).to_have_text(_label(saturday - timedelta(days=1)))
    expect(day).to_contain_text("Libre")  # 10 h on a working day
    expect(day).to_contain_text("Fermé")  # 7 h, before opening
    assert _overflow(page) <= 0
    assert_accessible(page)
