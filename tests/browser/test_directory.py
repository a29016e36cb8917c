"""Directory journey in headless Chromium: find a colleague by skill as you type, open their profile, browse
the organisation chart, edit one's own « ce que je fais » — with an axe check on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def colleagues(host_org, make_user):
    from intranet.people.actions import department_create
    from intranet.people.choices import DepartmentKind

    direction = department_create(
        name="Direction de l'aménagement",
        organisation=host_org,
        kind=DepartmentKind.DIRECTION,
        description="Urbanisme, habitat et mobilités.",
        email="amenagement@ccfi.example",
    )
    urbanisme = department_create(name="Urbanisme", organisation=host_org, parent=direction)
    me = make_user(
        "anais.decool",
        first_name="Anaïs",
        last_name="Decool",
        job_title="Chargée d'accueil",
        department=direction,
        employer=host_org,
    )
    paul = make_user(
        "paul.dewitte",
        first_name="Paul",
        last_name="Dewitte",
        job_title="Géomaticien",
        department=urbanisme,
        employer=host_org,
        phone="03 28 50 12 34",
        what_i_do="Je tiens le SIG et je produis les cartes des projets.",
        office_days=[1, 2],
    )
    paul.skills.set(["cartographie", "SIG"])
    for i in range(3):
        make_user(f"agent.urba{i}", job_title="Instructeur", department=urbanisme, employer=host_org)
    return {"me": me, "paul": paul, "urbanisme": urbanisme, "direction": direction}


def test_agent_finds_colleague_by_skill_and_edits_own_profile(page, login, colleagues):
    login("anais.decool")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Annuaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuaire des agents")
    expect(page.locator(".directory-count")).to_have_text("5 agents trouvés")

    # Type a skill, accents left out: the results change without a page load (htmx, no submit).
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Rechercher", exact=True).press_sequentially("cartograph", delay=30)
    expect(page.locator(".directory-count")).to_have_text("1 agent trouvé")
    expect(page.locator("#directory-list")).to_contain_text("Paul Dewitte")
    assert page.evaluate("window.__sameDocument") is True
    expect(page).to_have_url(re.compile(r"/annuaire/\?q=cartograph"))
    assert_accessible(page)

    page.get_by_role("link", name="Paul Dewitte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paul Dewitte")
    expect(page.locator("#profile-what-i-do")).to_contain_text("Je tiens le SIG")
    expect(page.get_by_role("link", name="03 28 50 12 34")).to_have_attribute("href", "tel:0328501234")
    assert_accessible(page)

    page.locator("#profile-department").get_by_role("link", name="Urbanisme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Urbanisme")
    expect(page.locator("#dept-people-list")).to_contain_text("Paul Dewitte")
    assert_accessible(page)

    page.get_by_role("link", name="Organigramme", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organigramme des services")
    assert_accessible(page)

    page.goto("/annuaire/anais.decool/")
    page.get_by_role("link", name="Modifier mon profil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier mon profil")
    expect(page.locator("#directory-owned")).to_contain_text("compte local")
    assert_accessible(page)

    page.get_by_label("Ce que je fais").fill("J'accueille le public et j'oriente vers le bon service.")
    page.get_by_label("mercredi").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre profil est enregistré.")
    expect(page.locator("#profile-what-i-do")).to_have_text(
        "J'accueille le public et j'oriente vers le bon service."
    )
    expect(page.locator("#profile-days")).to_have_text("mercredi")
    assert_accessible(page)


def test_refused_edit_keeps_input_and_is_accessible(page, login, colleagues):
    """A past return date is refused with a French message next to the field; what was typed stays."""
    login("anais.decool")
    page.goto("/annuaire/moi/modifier/")
    page.get_by_label("Ce que je fais").fill("Texte à garder")
    page.get_by_label("Absent·e jusqu'au (inclus)").fill("2020-01-01")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("Le profil n'est pas enregistré")
    expect(page.locator(".field-error")).to_contain_text("La date de retour est déjà passée")
    expect(page.get_by_label("Ce que je fais")).to_have_value("Texte à garder")
    assert_accessible(page)
