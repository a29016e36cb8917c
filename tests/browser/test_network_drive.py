"""« Connecter un lecteur réseau » in headless Chromium at 390 px: create an app password, copy it with the
button (no framework), revoke it after confirmation; axe on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_network_drive_journey_at_390_px(page, login, make_user):
    from intranet.people.app_passwords import authenticate_app_password

    make_user("nadia.benali", first_name="Nadia")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size({"width": 390, "height": 844})
    login("nadia.benali")
    page.goto("/")
    page.locator("summary", has_text="Nadia").click()
    page.get_by_role("link", name="Connecter un lecteur réseau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connecter un lecteur réseau")
    expect(page.locator("#dav-url")).to_have_text(re.compile(r"^http://.+/dav/$"))
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Nom de l'appareil").fill("PC du bureau")
    page.get_by_role("button", name="Créer le mot de passe").click()
    secret_box = page.locator("#new-app-password")
    expect(secret_box).to_have_value(re.compile(r"^([a-z2-9]{5}-){4}[a-z2-9]{5}$"))
    secret = secret_box.input_value()
    page.get_by_role("button", name="Copier le mot de passe").click()
    expect(page.locator("#new-app-password-status")).to_have_text("Copié dans le presse-papiers.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    expect(page.get_by_text("jamais utilisé")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    assert authenticate_app_password("nadia.benali", secret, ip="127.0.0.1") is not None

    page.get_by_role("link", name="Révoquer PC du bureau").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Révoquer un mot de passe d'application")
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Révoquer ce mot de passe").click()
    expect(page.get_by_role("status").first).to_contain_text("est révoqué")
    expect(page.get_by_text("Aucun mot de passe d'application")).to_be_visible()
    assert_accessible(page)
    assert authenticate_app_password("nadia.benali", secret, ip="127.0.0.1") is None
