"""« Qui est là ? », « Ma semaine et mes absences » and the « Organigramme » in headless Chromium: an agent
declares an absence, a colleague sees « Absent·e jusqu'au … — contacter … »; axe on every page, and no
sideways scroll at 390 px."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import PHONE, assert_accessible, assert_no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team(host_org, make_user):
    from intranet.people.actions import department_create
    from intranet.people.choices import DepartmentKind

    direction = department_create(
        name="Direction de l'aménagement", organisation=host_org, kind=DepartmentKind.DIRECTION
    )
    urbanisme = department_create(
        name="Urbanisme et droit des sols intercommunal", organisation=host_org, parent=direction
    )
    boss = make_user("francois.deswarte", first_name="François", last_name="Deswarte", department=direction)
    paul = make_user(
        "paul.dewitte", first_name="Paul", last_name="Dewitte", department=urbanisme, manager=boss
    )
    me = make_user(
        "helene.lefebvre",
        first_name="Hélène",
        last_name="Lefebvre",
        department=urbanisme,
        manager=boss,
        office_days=[1, 2, 3, 4, 5],
        office="Siège – Hazebrouck, 1er étage",
        backup_contact=paul,
    )
    return {"me": me, "paul": paul}


def test_agent_declares_an_absence_colleague_sees_it(page, login, team):
    login("helene.lefebvre")
    page.goto("/qui-est-la/mes-absences/")
    assert_accessible(page)
    today = timezone.localdate()
    page.get_by_label("Premier jour").fill(today.isoformat())
    page.get_by_label("Dernier jour (inclus)").fill((today + timedelta(days=3)).isoformat())
    page.get_by_label("Motif (facultatif)").fill("Congés")
    page.get_by_role("button", name="Enregistrer l'absence").click()
    expect(page.locator("#mine-absence-list")).to_contain_text("Congés")
    assert_accessible(page)

    page.context.clear_cookies()
    login("paul.dewitte")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Qui est là ?"
    ).click()
    entry = page.locator("#presence-helene\\.lefebvre")
    expect(entry).to_contain_text("Absent·e jusqu'au")
    expect(entry).to_contain_text("contacter Paul Dewitte")
    expect(page.locator("main")).not_to_contain_text("Congés")
    assert_accessible(page)
    page.goto("/organigramme/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organigramme")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/qui-est-la/", "/qui-est-la/mes-absences/", "/organigramme/"])
def test_pages_at_390_px(page, login, team, path):
    page.set_viewport_size(PHONE)
    login("helene.lefebvre")
    page.goto(path)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
