"""Projects journey in headless Chromium: the lead drags a card to another column and a teammate's open board
page shows it there live; the keyboard path (the « Déplacer » form) moves a card too; axe on the project,
board, card and « Mes tâches » pages; the board does not widen the page at 390 px."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project(make_user):
    from projects import actions
    from projects.choices import MemberRole

    lead = make_user("claire.lead", first_name="Claire", last_name="Martin")
    paul = make_user("paul.collegue", first_name="Paul", last_name="Durand")
    ws = actions.workspace_create(name="Fibre des mairies", creator=lead, members={paul: MemberRole.READER})
    board = ws.boards.get()
    first = board.columns.first()
    card = actions.card_create(board=board, column=first, title="Raccorder la mairie de Bailleul", actor=lead)
    card = actions.card_edit(card=card, version=1, actor=lead, title=card.title, assignees=[lead])
    actions.card_create(board=board, column=first, title="Recenser les bâtiments", actor=lead)
    return {"ws": ws, "board": board, "card": card}


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


def test_a_drag_by_the_lead_reaches_a_teammates_open_board_live(page, login, browser, server_url, project):
    board, card = project["board"], project["card"]
    context, paul_page = _second_page(browser, server_url)
    try:
        _login(paul_page, "paul.collegue")
        paul_page.goto(f"/projets/tableaux/{board.pk}/")
        assert_accessible(paul_page)
        login("claire.lead")
        page.goto(f"/projets/{project['ws'].pk}/")
        assert_accessible(page)
        page.goto(f"/projets/tableaux/{board.pk}/")
        assert_accessible(page)
        # Both sockets are open before the move: the lead's page sends its drop over its own.
        for each in (paul_page, page):
            each.wait_for_selector("#board[data-live]", state="attached")
        posted = []
        page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
        done = page.locator(".board-column").nth(2)
        page.locator(f"#card-{card.pk}").drag_to(done.locator(".board-cards"))
        expect(paul_page.locator(".board-column").nth(2)).to_contain_text(card.title)
        # One announcement, whether the socket's « moved » answer or the broadcast of the move comes first.
        announced = f"« {card.title} » déplacée dans « Terminé »"
        expect(page.locator("#board-status")).to_have_text(announced)
        expect(paul_page.locator("#board-status")).to_have_text(announced)
        expect(paul_page.locator(".board-column").nth(2).locator("h2 .meta")).to_have_text("(1)")
        assert posted == []  # no HTTP fallback
    finally:
        context.close()
    card.refresh_from_db()
    assert card.column.name == "Terminé"


def test_keyboard_move_card_page_and_my_tasks_at_390(page, login, project):
    board, card = project["board"], project["card"]
    page.set_viewport_size({"width": 390, "height": 844})
    login("claire.lead")
    page.goto(f"/projets/tableaux/{board.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name=f"Déplacer {card.title}").click()
    assert_accessible(page)
    page.get_by_label("Colonne").select_option(label="En cours")
    page.get_by_role("button", name="Déplacer").click()
    expect(page.locator(".board-column").nth(1)).to_contain_text(card.title)
    page.goto(f"/projets/cartes/{card.pk}/")
    assert_accessible(page)
    page.goto("/projets/mes-taches/")
    expect(page.locator(".projects-tasks")).to_contain_text(card.title)
    assert_accessible(page)
