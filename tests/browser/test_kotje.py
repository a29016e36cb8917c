"""Kotje in headless Chromium: an agent browses the themes, reads a guide and rates it (with htmx, then
without JS), filters the tools catalogue and asks « Quel outil pour… ? » — axe on every page visited."""

import pytest
from playwright.sync_api import expect

from tests.kotje.conftest import build_kotje

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kotje_site(server_url, host_org, make_user):
    return build_kotje(host_org, make_user)


def test_agent_reads_and_rates_a_guide(page, login, kotje_site):
    login("paul.cassel")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Kotje").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kotje")
    assert_accessible(page)

    page.get_by_role("link", name="Ressources humaines").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ressources humaines")
    # The guide for Bailleul only is not listed for an agent of Cassel.
    expect(page.locator("#guide-list")).not_to_contain_text("État civil de Bailleul")
    assert_accessible(page)

    page.get_by_role("link", name="Poser un congé").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Poser un congé")
    expect(page.locator("#guide-owner")).to_have_text("Céline Dewaele")
    assert_accessible(page)

    # htmx: the answer is recorded without a page load.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Commentaire (facultatif)").fill("Clair, merci.")
    page.get_by_role("button", name="Oui", exact=True).click()
    expect(page.locator("#avis-merci")).to_contain_text("Merci pour votre avis")
    expect(page.locator("#avis-mien")).to_contain_text("Votre réponse : oui.")
    assert page.evaluate("window.__sameDocument") is True
    assert_accessible(page)

    from kotje.models import GuideFeedback

    feedback = GuideFeedback.objects.get()
    assert feedback.helpful and feedback.comment == "Clair, merci."


def test_feedback_works_without_javascript(browser, server_url, kotje_site):
    context = browser.new_context(locale="fr-FR", base_url=server_url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/connexion/")
        page.get_by_label("Identifiant").fill("paul.cassel")
        page.get_by_label("Mot de passe").fill("pw-test-123456")
        page.get_by_role("button", name="Se connecter").click()
        page.goto("/kotje/rh/poser-un-conge/")
        page.get_by_role("button", name="Non", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("Merci pour votre avis")
        expect(page.locator("#avis-mien")).to_contain_text("Votre réponse : non.")
        # Answering again changes the answer: still one feedback.
        page.get_by_role("button", name="Oui", exact=True).click()
        expect(page.locator("#avis-mien")).to_contain_text("Votre réponse : oui.")
    finally:
        context.close()
        from django.db import connections

        connections.close_all()
    from kotje.models import GuideFeedback

    assert GuideFeedback.objects.count() == 1


def test_agent_finds_the_tool_to_share_a_file(page, login, kotje_site):
    login("paul.cassel")
    page.goto("/kotje/")
    page.get_by_role("link", name="Catalogue des outils").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue des outils")
    assert_accessible(page)

    page.get_by_label("Statut", exact=True).select_option(label="Interdit")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("#tool-list")).to_contain_text("Drive personnel")
    expect(page.locator("#tool-list")).not_to_contain_text("Discussions")
    page.locator("#tool-list").get_by_role("link", name="Drive personnel").click()
    expect(page.locator("#use-instead")).to_contain_text("Utilisez plutôt : GED intercommunale")
    assert_accessible(page)

    page.goto("/kotje/outils/ged/")
    assert_accessible(page)

    page.goto("/kotje/outils/")
    page.get_by_role("link", name="Quel outil pour… ?").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quel outil pour… ?")
    assert_accessible(page)
    page.get_by_label("Que voulez-vous faire ?").select_option(label="Partager un fichier")
    page.get_by_role("button", name="Trouver l'outil").click()
    answers = page.locator("#finder-answers")
    expect(answers).to_contain_text("Pour partager un fichier")
    expect(answers.get_by_role("link", name="GED intercommunale").first).to_be_visible()
    expect(answers).not_to_contain_text("Pour discuter")
    assert_accessible(page)
