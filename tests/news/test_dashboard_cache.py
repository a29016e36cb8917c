"""The home page from the cache (intranet/dashboard.py): a warm page costs three queries and no panel work,
and every change to a panel's data shows on the very next page: news published or withdrawn, must-reads
published and acknowledged, notifications received and read, quick links, the agent's audience."""

import pytest
from django.test import Client

from intranet import dashboard, registry
from intranet.news.actions import acknowledgement_record, home_page_ensure
from intranet.notifications.actions import notification_mark_all_read, notification_mark_read, notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(client, portal):
    home_page_ensure()
    client.force_login(portal.cassel_agent)

    def get():
        response = client.get("/")
        assert response.status_code == 200
        return response.content.decode()

    return get


def _part(html, marker):
    return html.split(marker)[1].split("</section>")[0]


def test_a_warm_home_page_costs_three_queries_and_no_panel_work(home, django_assert_num_queries):
    calls = []

    def context(request):
        calls.append(request.user.pk)
        return {"items": []}

    registry.register_dashboard_panel(
        key="test-cached", template="news/_dashboard_welcome.html", context=context, topics=("test",)
    )
    try:
        first = home().split('<div class="dashboard">')[1].split("<footer")[0]
        with django_assert_num_queries(3):  # session, user, the home page; every panel from the cache
            assert home().split('<div class="dashboard">')[1].split("<footer")[0] == first
        assert len(calls) == 1
        dashboard.bump("test")
        home()
        assert len(calls) == 2
    finally:
        registry._registry.panels.pop("test-cached", None)


def test_news_published_then_withdrawn_shows_on_the_next_page(home, publish):
    assert "Aucune actualité pour le moment." in home()
    page = publish("Le conseil communautaire")
    assert ">Le conseil communautaire<" in _part(home(), 'id="dashboard-news"')
    page.unpublish()
    assert ">Le conseil communautaire<" not in home()


def test_a_must_read_published_then_acknowledged(home, publish, portal):
    assert "aucune lecture obligatoire en attente" in home()
    page = publish("Charte informatique", must_read=True)
    assert ">Charte informatique<" in _part(home(), 'id="dashboard-must-reads"')
    acknowledgement_record(page=page, user=portal.cassel_agent)
    assert "aucune lecture obligatoire en attente" in home()


def test_moving_to_another_employer_changes_the_news_at_once(home, publish, portal):
    publish("Pour Bailleul seulement", organisations=[portal.bailleul])
    assert "Bailleul seulement" not in home()
    portal.cassel_agent.employer = portal.bailleul
    portal.cassel_agent.save(update_fields=["employer"])
    assert "Bailleul seulement" in home()


def test_notifications_received_then_read(home, portal):
    agent = portal.cassel_agent
    assert "Aucune notification pour le moment." in home()
    (first,) = notify(recipients=[agent], verb="x", text="Votre salle est confirmée", url="/")
    notify(recipients=[agent], verb="x", text="Nouveau document", url="/")
    html = home()
    assert ">Votre salle est confirmée<" in html and 'data-count="2"' in html
    notification_mark_read(notification=first)
    html = home()
    assert 'data-count="1"' in html and _part(html, 'id="dashboard-notifications"').count("non lue") == 1
    notification_mark_all_read(user=agent)
    html = home()
    assert 'data-count="0"' in html and "non lue" not in _part(html, 'id="dashboard-notifications"')


def test_quick_links_edited_show_at_once(home):
    assert "Menu de la cantine" not in home()
    page = home_page_ensure()
    page.quick_links = [("link", {"label": "Menu de la cantine", "url": "/kotje/cantine/"})]
    page.save_revision().publish()
    assert '<a href="/kotje/cantine/">Menu de la cantine</a>' in home()


def test_each_session_gets_its_own_csrf_token_in_a_cached_form(home, publish, portal):
    """The must-read form comes from the cache with a placeholder; each page puts its own session's token
    in it, and « J'ai lu » posted with it passes the CSRF check."""
    page = publish("Charte informatique", must_read=True)
    assert dashboard.csrf_placeholder() not in home()
    other = Client(enforce_csrf_checks=True)
    other.force_login(portal.cassel_agent)
    html = other.get("/").content.decode()
    assert dashboard.csrf_placeholder() not in html
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = other.post(f"{page.url}lu/", {"csrfmiddlewaretoken": token, "next": "/"})
    assert response.status_code == 302
    assert "aucune lecture obligatoire en attente" in other.get("/").content.decode()


def test_the_language_is_part_of_the_key(home, client):
    assert "Mes dernières notifications" in home()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = home()
    assert "Mes dernières notifications" not in html and 'lang="en"' in html


def test_a_preview_in_the_admin_never_reaches_the_cache(home, rf, portal):
    """The welcome message and quick links are one fragment for everyone: a preview of unpublished ones
    (Wagtail marks the request `is_preview`) neither reads nor stores the cache."""
    from intranet.news.queries import dashboard_context

    home()
    page = home_page_ensure()
    page.quick_links = [("link", {"label": "Pas encore publié", "url": "/brouillon/"})]
    request = rf.get("/")
    request.user, request.session, request.is_preview = portal.cassel_agent, {}, True
    previewed = "".join(f.html for f in dashboard_context(request, page)["fragments"])
    assert "Pas encore publié" in previewed
    assert "Pas encore publié" not in home()
