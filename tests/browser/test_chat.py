"""Chat journey in headless Chromium: two agents of one department talk live in their department salon, each
in their own browser; an axe check on the salon list and the salon page; the page works without JavaScript."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team(host_org, make_user):
    from chat.actions import ensure_open_salons, message_post, salon_department_sync
    from chat.models import Salon
    from intranet.people.actions import department_create

    service = department_create(name="Service urbanisme", organisation=host_org)
    anais = make_user(
        "anais.decool", first_name="Anaïs", last_name="Decool", department=service, employer=host_org
    )
    paul = make_user(
        "paul.dewitte", first_name="Paul", last_name="Dewitte", department=service, employer=host_org
    )
    salon_department_sync()
    ensure_open_salons()
    salon = Salon.objects.get(department=service)
    message_post(salon=salon, author=paul, text="Bonjour, le PLUi passe en conseil **jeudi**.")
    return {"salon": salon, "anais": anais, "paul": paul}


def _second_page(browser, server_url):
    context = browser.new_context(locale="fr-FR", base_url=server_url)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))
            else route.abort()
        ),
    )
    return context, context.new_page()


def _login(page, username):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill("pw-test-123456")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_two_agents_chat_live_in_their_department_salon(page, login, browser, server_url, team):
    login("anais.decool")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Discussions"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discussions")
    expect(page.locator("#salon-list")).to_contain_text("Service urbanisme")
    expect(page.locator("#salon-list .chat-unread")).to_have_text("1 non lu")
    assert_accessible(page)

    page.get_by_role("link", name="Service urbanisme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service urbanisme")
    expect(page.locator(".chat-msg").first).to_contain_text("le PLUi passe en conseil jeudi")
    expect(page.locator("#chat-room")).to_have_attribute("data-live", "open")
    assert_accessible(page)

    context, paul_page = _second_page(browser, server_url)
    try:
        _login(paul_page, "paul.dewitte")
        paul_page.goto(f"/discussions/{team['salon'].pk}/")
        expect(paul_page.locator("#chat-room")).to_have_attribute("data-live", "open")

        page.get_by_label("Votre message").fill("Je serai là, @Paul Dewitte !")
        page.get_by_role("button", name="Envoyer").click()
        # Paul sees it without reloading, with the mention highlighted.
        last = paul_page.locator(".chat-msg").last
        expect(last).to_contain_text("Je serai là")
        expect(last.locator(".mention")).to_have_text("@Paul Dewitte")
        expect(page.get_by_label("Votre message")).to_have_value("")

        paul_page.get_by_label("Votre message").fill("Parfait, merci Anaïs")
        paul_page.get_by_label("Votre message").press("Enter")
        expect(page.locator(".chat-msg").last).to_contain_text("Parfait, merci Anaïs")
        assert_accessible(page)
    finally:
        context.close()


def test_salon_reads_and_posts_without_javascript(browser, server_url, team):
    context = browser.new_context(locale="fr-FR", base_url=server_url, java_script_enabled=False)
    try:
        page = context.new_page()
        _login(page, "anais.decool")
        page.goto(f"/discussions/{team['salon'].pk}/")
        expect(page.locator(".chat-msg").first).to_contain_text("le PLUi passe en conseil")
        page.get_by_label("Votre message").fill("Envoyé sans JavaScript")
        page.get_by_role("button", name="Envoyer").click()
        expect(page.locator(".chat-msg").last).to_contain_text("Envoyé sans JavaScript")
    finally:
        context.close()
        from django.db import connections

        connections.close_all()


def test_narrow_screen_layout_is_accessible(page, login, team):
    page.set_viewport_size({"width": 375, "height": 740})
    login("anais.decool")
    page.goto(f"/discussions/{team['salon'].pk}/")
    expect(page.get_by_role("button", name="Envoyer")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert_accessible(page)


def test_a_page_that_went_offline_catches_up_without_a_gap(page, login, browser, server_url, team):
    """No missed message: the network drops (Playwright offline) while Paul posts and edits; when it comes
    back, Anaïs's page reconnects and shows every message once, in order, with the edit."""
    from chat.actions import message_edit

    login("anais.decool")
    page.goto(f"/discussions/{team['salon'].pk}/")
    room = page.locator("#chat-room")
    expect(room).to_have_attribute("data-live", "open")
    context, paul_page = _second_page(browser, server_url)
    try:
        _login(paul_page, "paul.dewitte")
        paul_page.goto(f"/discussions/{team['salon'].pk}/")
        expect(paul_page.locator("#chat-room")).to_have_attribute("data-live", "open")

        page.context.set_offline(True)
        expect(room).to_have_attribute("data-live", "closed")
        for n in range(1, 4):
            paul_page.get_by_label("Votre message").fill(f"Pendant la coupure {n}")
            paul_page.get_by_label("Votre message").press("Enter")
            expect(paul_page.locator(".chat-msg").last).to_contain_text(f"Pendant la coupure {n}")
        first = team["salon"].messages.order_by("id").first()
        message_edit(message=first, user=team["paul"], text="Le PLUi passe en conseil **vendredi**.")
        expect(page.locator(".chat-msg")).to_have_count(1)  # nothing arrives while offline

        page.context.set_offline(False)
        expect(room).to_have_attribute("data-live", "open")
        bodies = page.locator(".chat-msg .chat-msg__body")
        expect(bodies).to_have_count(4)
        expect(bodies).to_have_text(
            [
                "Le PLUi passe en conseil vendredi.",
                "Pendant la coupure 1",
                "Pendant la coupure 2",
                "Pendant la coupure 3",
            ]
        )
        assert_accessible(page)
    finally:
        context.close()


def test_colleague_search_mentions_reply_banner_and_one_time_format(page, login, team):
    """Chat as agents expect: a direct conversation from a name typed (htmx suggestions), `@` completes a
    member's name, « Annuler la réponse » only while replying, one time format for old and live messages."""
    import re

    login("anais.decool")
    page.goto("/discussions/")
    page.get_by_role("textbox", name="Collègue").fill("dewi")
    suggestion = page.get_by_role("button", name="Paul Dewitte")
    expect(suggestion).to_be_visible()
    assert_accessible(page)
    suggestion.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paul Dewitte")
    expect(page.locator("#chat-room")).to_have_attribute("data-live", "open")

    page.goto(f"/discussions/{team['salon'].pk}/")
    expect(page.locator("#chat-room")).to_have_attribute("data-live", "open")
    cancel = page.get_by_role("link", name="Annuler la réponse")
    expect(cancel).to_be_hidden()
    page.locator(".chat-msg").first.locator("[data-action=reply]").click()
    expect(cancel).to_be_visible()
    cancel.click()
    expect(cancel).to_be_hidden()

    box = page.get_by_label("Votre message")
    box.fill("Merci ")
    box.press_sequentially("@pa")
    options = page.get_by_role("listbox", name="Mentionner un ou une participante").get_by_role("option")
    expect(options).to_have_text(["Paul Dewitte"])
    assert_accessible(page)
    box.press("Enter")
    expect(box).to_have_value("Merci @Paul Dewitte ")
    box.press("Enter")  # the list is closed: Enter sends
    last = page.locator(".chat-msg").last
    expect(last.locator(".mention")).to_have_text("@Paul Dewitte")
    fmt = re.compile(r"^\d{1,2} \S+ \d{2}:\d{2}$")
    times = page.locator(".chat-msg time").all_text_contents()
    assert len(times) == 2 and all(fmt.match(t) for t in times), times
