"""Portal journey in headless Chromium: an agent logs in, acknowledges a must-read from the dashboard, reads
the news, searches « congé » (as you type), opens the guide and rates it — axe on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from tests.kotje.conftest import build_kotje

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal_site(server_url, host_org, make_user):
    from wagtail.rich_text import RichText

    from intranet.news.actions import news_index_ensure
    from intranet.news.models import NewsCategory, NewsPage

    kotje = build_kotje(host_org, make_user)
    index = news_index_ensure()
    category = NewsCategory.objects.create(name="Numérique", slug="numerique")

    def news(title, slug, **fields):
        page = NewsPage(
            title=title,
            slug=slug,
            intro=f"{title} : l'essentiel en deux phrases.",
            body=[("paragraph", RichText("<p>Le détail de l'actualité.</p>"))],
            category=category,
            **fields,
        )
        if not page.audience_everyone:
            page.audience_organisations = [kotje.bailleul]
        index.add_child(instance=page)
        page.save_revision().publish()
        return page

    charter = news("Charte informatique", "charte", must_read=True, must_read_due="2027-01-15")
    news("Fermeture de l'hôtel de ville de Bailleul", "bailleul", audience_everyone=False)
    news("Congés de fin d'année", "conges")
    return kotje, charter


def test_agent_acknowledges_searches_and_rates_a_guide(page, login, portal_site):
    kotje, charter = portal_site
    login("paul.cassel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Paul")
    must_reads = page.locator("#dashboard-must-reads")
    expect(must_reads).to_contain_text("Charte informatique")
    expect(page.locator("#dashboard-news")).not_to_contain_text("Bailleul")
    assert_accessible(page)

    # « J'ai lu » through htmx: the item says so without a page load.
    page.evaluate("window.__sameDocument = true")
    must_reads.get_by_role("button", name="J'ai lu").click()
    expect(must_reads).to_contain_text("Lecture de « Charte informatique » confirmée")
    assert page.evaluate("window.__sameDocument") is True
    from intranet.news.models import Acknowledgement

    assert Acknowledgement.objects.filter(page=charter, user=kotje.cassel_agent).count() == 1
    page.reload()
    expect(page.locator("#dashboard-must-reads")).to_contain_text("aucune lecture obligatoire en attente")

    # The news list and a news page.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Actualités"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actualités")
    expect(page.locator("#news-list")).not_to_contain_text("Bailleul")
    assert_accessible(page)
    page.locator("#news-list").get_by_role("link", name="Charte informatique").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charte informatique")
    expect(page.locator(".must-read-box")).to_contain_text("confirmée le")
    assert_accessible(page)

    # Search from the home page (plain form), then as you type on the search page.
    page.goto("/")
    page.get_by_label("Rechercher dans l'intranet").fill("congé")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/recherche/\?q=cong"))
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Poser un congé")).to_be_visible()
    expect(results).not_to_contain_text("État civil de Bailleul")
    assert_accessible(page)

    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Mots recherchés").fill("charte")
    expect(results.get_by_role("link", name="Charte informatique")).to_be_visible()
    expect(results.locator("mark").first).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
    page.get_by_label("Mots recherchés").fill("congé")
    expect(results.get_by_role("link", name="Poser un congé")).to_be_visible()

    # The guide, rated through its « Cette page vous a-t-elle aidé ? » form.
    results.get_by_role("link", name="Poser un congé").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Poser un congé")
    page.get_by_label("Commentaire (facultatif)").fill("Trouvé grâce à la recherche.")
    page.get_by_role("button", name="Oui", exact=True).click()
    expect(page.locator("#avis-merci")).to_contain_text("Merci pour votre avis")
    from kotje.models import GuideFeedback

    assert GuideFeedback.objects.get().comment == "Trouvé grâce à la recherche."
