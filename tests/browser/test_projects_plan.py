"""Milestones, timeline, templates and edit pages in headless Chromium at 390 px: axe finds nothing, no
sideways scrolling, closing a milestone asks for confirmation, the timeline prints without the menus."""

import datetime

import pytest
from django.utils import timezone

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plan(make_user):
    from projects import actions, milestones, templating
    from projects.demo_plan import PUBLIC_MARKET, TEMPLATES
    from projects.models import Template

    lead = make_user("claire.lead", first_name="Claire", last_name="Martin")
    template = Template.objects.create(
        name=PUBLIC_MARKET,
        description=TEMPLATES[PUBLIC_MARKET]["description"],
        data=templating.clean_data(TEMPLATES[PUBLIC_MARKET]["data"]),
        created_by=lead,
    )
    today = timezone.localdate()
    ws = templating.workspace_create_from_template(
        template=template,
        creator=lead,
        name="Fibre des mairies",
        start_date=today - datetime.timedelta(days=50),
    )
    board = ws.boards.get()
    card = board.cards.get(title="Publier l'avis d'appel public à la concurrence")
    actions.card_edit(card=card, version=card.version, actor=lead, title=card.title, due_date=today)
    milestone = ws.milestones.get(name="Publication de l'avis")
    assert milestones.open_cards(milestone)
    return {"ws": ws, "board": board, "milestone": milestone, "template": template, "card": card}


def test_plan_pages_at_390(page, login, plan):
    ws, milestone = plan["ws"], plan["milestone"]
    page.set_viewport_size({"width": 390, "height": 844})
    login("claire.lead")
    for url in (
        f"/projets/{ws.pk}/jalons/",
        f"/projets/{ws.pk}/chronologie/",
        f"/projets/jalons/{milestone.pk}/",
        f"/projets/{ws.pk}/modifier/",
        f"/projets/tableaux/{plan['board'].pk}/modifier/",
        f"/projets/{ws.pk}/enregistrer-modele/",
        "/projets/modeles/",
        f"/projets/modeles/{plan['template'].pk}/",
        f"/projets/modeles/{plan['template'].pk}/modifier/",
        f"/projets/cartes/{plan['card'].pk}/",  # with its « Jalon » section
    ):
        page.goto(url)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    # The template edit page refusing a milestone offset: the errors are announced and axe-clean at 390 px.
    page.goto(f"/projets/modeles/{plan['template'].pk}/modifier/")
    page.get_by_label("Jours après le début du projet").first.fill("5000")
    page.get_by_role("button", name="Enregistrer le modèle").click()
    page.wait_for_load_state()
    assert "De 0 à 3650 jours" in page.content()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Closing the milestone with an open card: a confirmation page (axe clean too), then closed.
    page.goto(f"/projets/jalons/{milestone.pk}/")
    page.get_by_role("button", name="Clore le jalon").click()
    page.wait_for_load_state()
    assert "n'est pas terminée" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Clore le jalon quand même").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Rouvrir le jalon").is_visible()
    # The timeline prints without the site's header and navigation; late items say so in words.
    page.goto(f"/projets/{ws.pk}/chronologie/")
    assert "En retard" in page.inner_text("main")
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert page.locator(".plan-timeline").first.is_visible()
