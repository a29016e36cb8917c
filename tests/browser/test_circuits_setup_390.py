"""The circuit administrators' pages and the « À viser » home panel on a phone, 390 × 844 in headless
Chromium: no sideways scroll, axe-core finds zero violations, and a desk created through the page exists."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, assert_accessible, check_phone_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(host_org, make_user):
    from django.contrib.auth.models import Permission

    from ged.circuits.actions import desk_create, template_create
    from ged.circuits.choices import StepKind, StepMode
    from intranet.news.actions import home_page_ensure

    home_page_ensure()
    admin = make_user("ada.circuits", first_name="Ada", last_name="Circuits", employer=host_org)
    admin.user_permissions.add(Permission.objects.get(codename="manage_circuits"))
    desk = desk_create(name="Direction des finances et de la commande publique", members=[admin])
    template = template_create(
        name="Délibération du conseil communautaire",
        steps=[
            {"desk": desk, "kind": StepKind.VISA, "mode": StepMode.QUORUM, "quorum": 1, "deadline_days": 3}
        ],
    )
    return {"desk": desk, "template": template}


def test_setup_pages_and_home_panel_at_390_px(page, login, world):
    from ged.circuits.models import Desk

    page.set_viewport_size(PHONE)
    login("ada.circuits")
    check_phone_page(page, "/parapheur/administration/", "Administration des circuits")
    check_phone_page(
        page, f"/parapheur/administration/bureaux/{world['desk'].pk}/", f"Bureau « {world['desk'].name} »"
    )
    check_phone_page(
        page,
        f"/parapheur/administration/modeles/{world['template'].pk}/",
        f"Modèle « {world['template'].name} »",
    )
    check_phone_page(page, "/parapheur/administration/bureaux/nouveau/", "Nouveau bureau")
    page.get_by_label("Nom du bureau").fill("Cabinet du président")
    page.get_by_label("Membres").fill("ada.circuits")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le bureau « Cabinet du président » est enregistré.")).to_be_visible()
    assert Desk.objects.filter(name="Cabinet du président").exists()
    # a refusal keeps the form and says why
    page.goto("/parapheur/administration/bureaux/nouveau/")
    page.get_by_label("Nom du bureau").fill("cabinet du président")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("déjà le nom")
    assert_accessible(page)
    check_phone_page(page, "/", "À viser / à signer")
