"""The agent's project pages in headless Chromium at 390 px: portfolio, iCal feed address, « Mes tâches » with
its new filter, the home page panel; axe clean and no sideways page scroll."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def project(make_user):
    from intranet.news.actions import home_page_ensure
    from projects import actions

    home_page_ensure()
    lead = make_user("claire.lead", first_name="Claire", last_name="Martin")
    ws = actions.workspace_create(
        name="Plan climat air énergie territorial de la Flandre intérieure", creator=lead, sponsor=lead
    )
    board = ws.boards.get()
    card = actions.card_create(
        board=board,
        column=board.columns.first(),
        title="Inventaire des émissions de gaz à effet de serre du territoire",
        actor=lead,
        due_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    actions.card_edit(
        card=card, version=1, actor=lead, title=card.title, due_date=card.due_date, assignees=[lead]
    )
    return card


def test_portfolio_feed_tasks_and_panel_at_390(page, login, project):
    page.set_viewport_size({"width": 390, "height": 844})
    login("claire.lead")
    for path, text in (
        ("/projets/portefeuille/", "Plan climat air énergie"),
        ("/projets/mes-taches/agenda/", "mes-taches.ics"),
        ("/projets/mes-taches/?echeance=retard", project.title),
        ("/", project.title),
    ):
        page.goto(path)
        if path.startswith("/projets/mes-taches/agenda"):
            expect(page.get_by_label("Adresse d'abonnement")).to_have_value(re.compile(r"mes-taches\.ics$"))
        else:
            expect(page.locator("main")).to_contain_text(text)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
