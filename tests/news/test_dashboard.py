"""The home dashboard: my unacknowledged must-reads (acknowledged from there), the latest news for my
audience, quick links, the registered panels; a pinned, constant query count."""

import pytest

from intranet import registry
from intranet.news.actions import acknowledgement_record, home_page_ensure

pytestmark = pytest.mark.django_db


def test_dashboard_lists_my_unacknowledged_must_reads(client, portal, publish):
    urgent = publish("Charte informatique", must_read=True, due="2027-01-10")
    read = publish("Hameçonnage", must_read=True)
    publish("Pour Bailleul seulement", must_read=True, organisations=[portal.bailleul])
    publish("Le conseil communautaire")
    acknowledgement_record(page=read, user=portal.cassel_agent)
    client.force_login(portal.cassel_agent)
    html = client.get("/").content.decode()
    must_reads = html.split('id="dashboard-must-reads"')[1].split("</section>")[0]
    assert "Charte informatique" in must_reads and "À lire avant le 10 janvier 2027" in must_reads
    assert "Hameçonnage" not in must_reads and "Bailleul" not in must_reads
    latest = html.split('id="dashboard-news"')[1].split("</section>")[0]
    assert "Le conseil communautaire" in latest and "Bailleul" not in latest
    assert f'action="{urgent.url}lu/"' in must_reads


def test_acknowledging_from_the_dashboard_empties_the_list(client, portal, publish):
    page = publish("Charte informatique", must_read=True)
    client.force_login(portal.cassel_agent)
    response = client.post(page.url + "lu/", {"next": "/"}, follow=True)
    html = response.content.decode()
    assert "Vous êtes à jour : aucune lecture obligatoire en attente." in html


def test_quick_links_from_the_home_page(client, portal):
    home = home_page_ensure()
    home.quick_links = [("link", {"label": "Menu de la cantine", "url": "/kotje/cantine/"})]
    home.save_revision().publish()
    client.force_login(portal.cassel_agent)
    assert '<a href="/kotje/cantine/">Menu de la cantine</a>' in client.get("/").content.decode()


def test_quick_link_refuses_javascript_urls(portal):
    from django.core.exceptions import ValidationError

    from intranet.news.models import QuickLinkBlock

    with pytest.raises(ValidationError):
        QuickLinkBlock().clean({"label": "x", "url": "javascript:alert(1)"})


@pytest.fixture
def fake_panel():
    calls = []

    def context(request):
        calls.append(request.user.pk)
        return {"items": ["Réunion de service"]}

    registry.register_dashboard_panel(key="test-panel", template="news/tests/panel.html", context=context)
    yield calls
    registry._registry.panels.pop("test-panel", None)


def test_registered_panels_are_shown(client, portal, fake_panel, settings, tmp_path):
    (tmp_path / "news" / "tests").mkdir(parents=True)
    (tmp_path / "news" / "tests" / "panel.html").write_text(
        '<h2 id="panel-{{ panel_id }}">Mon panneau</h2>{% for i in ctx.items %}<p>{{ i }}</p>{% endfor %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    client.force_login(portal.cassel_agent)
    html = client.get("/").content.decode()
    assert 'id="panel-test-panel">Mon panneau' in html and "Réunion de service" in html
    assert fake_panel == [portal.cassel_agent.pk]


def test_dashboard_query_count_is_constant(client, portal, publish, django_assert_max_num_queries):
    """Whatever the number of news items and acknowledgements, the news part of the dashboard costs the
    department chart and one query; the whole page stays within the B9 budget (15) with every panel and
    every fragment out of date (a warm page: tests/news/test_dashboard_cache.py)."""
    from intranet import dashboard

    publish("Première", must_read=True)
    client.force_login(portal.hr_agent)
    client.get("/")
    dashboard.bump(dashboard.PERMISSIONS, dashboard.PAGES)  # every fragment out of date
    with django_assert_max_num_queries(15) as small:
        assert client.get("/").status_code == 200
    for i in range(15):
        page = publish(f"Nouvelle {i}", must_read=i % 2 == 0, departments=[portal.resources])
        if i % 4 == 0:
            acknowledgement_record(page=page, user=portal.hr_agent)
    dashboard.bump(dashboard.PERMISSIONS, dashboard.PAGES)  # every fragment out of date
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get("/").content.decode()
    # Nine must-reads (« Première » and the eight even ones), four of them acknowledged (0, 4, 8, 12).
    assert html.count('class="ack-form"') == 5


def test_api_quick_links_only_for_it_and_staff(client, portal, make_user):
    """Tokens and the API documentation are not among an ordinary agent's quick links (the user menu keeps
    the tokens); staff and IT see them. The quick links are cached per agent, so each sees their own."""
    client.force_login(portal.cassel_agent)
    html = client.get("/").content.decode()
    links = html[html.index('id="dash-links"') :]
    assert "/api/v1/docs" not in links and "Mes jetons d&#x27;accès à l&#x27;API" not in links
    client.force_login(make_user("dsi", superuser=True))
    html = client.get("/").content.decode()
    links = html[html.index('id="dash-links"') :]
    assert "/api/v1/docs" in links and "/compte/jetons/" in links
    client.force_login(portal.cassel_agent)
    assert "/api/v1/docs" not in client.get("/").content.decode()
