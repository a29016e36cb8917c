"""Journeys in headless Chromium through the real ASGI app, with an axe check on every page visited."""

import re
import threading

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def notify_from_thread(**kwargs):
    """Playwright's sync API keeps an event loop in the test thread: notify from another, as a view would."""
    from intranet.notifications.actions import notify

    sender = threading.Thread(target=notify, kwargs=kwargs)
    sender.start()
    sender.join()


def test_login_page_is_french_and_accessible(page):
    """The first page a newcomer sees is a French login form with no accessibility violation."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l'intranet")
    expect(page.get_by_label("Rester connecté·e sur cet appareil")).not_to_be_checked()
    assert_accessible(page)


def test_wrong_password_shows_french_error_then_agent_reaches_home(page, login, make_user, host_org):
    """A wrong password gets a French message; the right one leads to the dashboard."""
    make_user("helene.lefebvre", first_name="Hélène", last_name="Lefebvre", employer=host_org)
    login("helene.lefebvre", password="mauvais-mot-de-passe")
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect")
    assert_accessible(page)

    login("helene.lefebvre")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Hélène")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    expect(page.locator(".brand")).to_contain_text("CCFI")
    assert_accessible(page)


def test_notifications_page_live_push_and_mark_all_read(page, login, make_user):
    """A notification sent while the page is open appears at once and bumps the badge; all can be read."""
    user = make_user("jerome.vandamme", first_name="Jérôme")
    notify_from_thread(
        recipients=[user], verb="test", text="Votre réservation de la salle du conseil est validée", url="/"
    )
    login("jerome.vandamme")
    page.goto("/notifications/")
    expect(page.locator("#notif-badge")).to_have_attribute("data-count", "1")
    assert_accessible(page)

    # Wait until the websocket is open before sending the second notification.
    page.wait_for_function("() => document.body.dataset.live === 'open'")
    notify_from_thread(recipients=[user], verb="test", text="Nouveau document partagé avec vous", url="/")
    expect(page.locator("#notification-list li").first).to_contain_text("Nouveau document partagé avec vous")
    expect(page.locator("#notif-badge")).to_have_attribute("data-count", "2")
    expect(page.locator("#live-region")).to_contain_text("Nouveau document partagé avec vous")

    page.get_by_role("button", name="Tout marquer comme lu").click()
    expect(page.get_by_role("status").first).to_contain_text("2 notifications marquées comme lues")
    expect(page.locator("#notif-badge")).to_have_attribute("data-count", "0")
    assert_accessible(page)


def test_api_tokens_page_is_accessible(page, login, make_user):
    make_user("nadia.benali", first_name="Nadia")
    login("nadia.benali")
    page.goto("/compte/jetons/")
    page.get_by_label("Nom du jeton").fill("export annuaire")
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.locator("#new-token")).to_have_value(re.compile(r"^ccfi_"))
    assert_accessible(page)


def test_not_found_page_is_french_and_accessible(page, login, make_user):
    make_user("paul.dewitte")
    login("paul.dewitte")
    page.goto("/cette-page-n-existe-pas/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert_accessible(page)


def test_wagtail_admin_makes_no_request_outside_the_machine(page, login, make_user):
    """Gravatar, release checks and the « what's new » banner are off: the page fixture fails on any
    request that is not to 127.0.0.1."""
    make_user("admin.si", superuser=True)
    login("admin.si")
    for path in ("/cms/", "/cms/pages/", "/cms/organisations/", "/cms/agents/", "/cms/journal/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        expect(page.locator("body")).not_to_contain_text("Server Error")
