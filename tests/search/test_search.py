"""One permission-aware search: pages (news, guides, tools…), people and registered sources; an agent never
sees nor counts what they may not open; any input works; results as you type (htmx) or with a plain form."""

import pytest
from django.db import connection

from intranet.search.highlight import highlight, stems

pytestmark = pytest.mark.django_db

URL = "/recherche/"
API = "/api/v1/search"


def test_finds_news_and_people(client, portal, publish):
    publish("Congés de fin d'année", text="Posez vos congés avant le 1er décembre.")
    client.force_login(portal.cassel_agent)
    html = client.get(URL, {"q": "congés"}).content.decode()
    assert "Congés de fin d&#x27;année" in html
    assert "<mark>congés</mark>" in html
    data = client.get(API, {"q": "Lemaire"}).json()
    assert [h["title"] for h in data["hits"]] == ["Aurélie Lemaire"]
    assert data["groups"] == [{"type": "people", "label": "Personnes", "total": 1, "parent": ""}]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="French stemming is PostgreSQL's")
def test_french_stemming_on_postgresql(client, portal, publish):
    """« congé » finds « congés » and « réserver » finds « réservation »."""
    publish("Demandes de congés", text="Toutes les demandes.")
    publish("Réservation des véhicules", text="Le pool de voitures.")
    client.force_login(portal.cassel_agent)
    assert [h["title"] for h in client.get(API, {"q": "congé"}).json()["hits"]] == ["Demandes de congés"]
    assert [h["title"] for h in client.get(API, {"q": "réservations"}).json()["hits"]] == [
        "Réservation des véhicules"
    ]


def test_news_outside_audience_is_neither_shown_nor_counted(client, portal, publish):
    """An agent of Cassel searching « fermeture » does not see, nor count, the news only for Bailleul."""
    publish("Fermeture de la mairie de Bailleul", organisations=[portal.bailleul])
    publish("Fermeture de la déchèterie")
    client.force_login(portal.cassel_agent)
    data = client.get(API, {"q": "fermeture"}).json()
    assert [h["title"] for h in data["hits"]] == ["Fermeture de la déchèterie"]
    assert data["total"] == 1 and data["groups"][0]["total"] == 1
    client.force_login(portal.bailleul_agent)
    assert client.get(API, {"q": "fermeture"}).json()["total"] == 2


def test_unpublished_pages_are_not_found(client, portal, publish):
    page = publish("Brouillon secret")
    page.unpublish()
    client.force_login(portal.cassel_agent)
    assert client.get(API, {"q": "secret"}).json()["total"] == 0


def test_inactive_people_are_not_found(client, portal, make_user):
    make_user("parti", first_name="Gaston", last_name="Parti", is_active=False)
    client.force_login(portal.cassel_agent)
    assert client.get(API, {"q": "Gaston"}).json()["total"] == 0


def test_registered_source_hides_forbidden_hits_and_counts(client, portal, rooms_source):
    client.force_login(portal.cassel_agent)
    data = client.get(API, {"q": "salle"}).json()
    assert [h["title"] for h in data["hits"]] == ["Salle du conseil"]
    assert data["groups"] == [{"type": "rooms-test", "label": "Salles", "total": 1, "parent": ""}]
    html = client.get(URL, {"q": "salle"}).content.decode()
    assert "Salle des mariages" not in html and "Salles (1)" in html
    assert "&lt;b&gt;au siège&lt;/b&gt;" in html  # a source's snippet is plain text: escaped
    client.force_login(portal.manager)
    assert client.get(API, {"q": "salle"}).json()["total"] == 2


def test_filter_by_type(client, portal, publish, rooms_source):
    publish("Salle du conseil rénovée")
    client.force_login(portal.cassel_agent)
    data = client.get(API, {"q": "salle"}).json()
    assert {g["type"] for g in data["groups"]} == {"pages", "rooms-test"}
    only_rooms = client.get(API, {"q": "salle", "type": "rooms-test"}).json()
    assert {h["type"] for h in only_rooms["hits"]} == {"rooms-test"}
    only_pages = client.get(API, {"q": "salle", "type": "pages"}).json()
    assert [h["title"] for h in only_pages["hits"]] == ["Salle du conseil rénovée"]
    assert only_pages["hits"][0]["kind"] == "Actualité"
    only_news = client.get(API, {"q": "salle", "type": "news-newspage"}).json()
    assert [h["title"] for h in only_news["hits"]] == ["Salle du conseil rénovée"]
    unknown = client.get(API, {"q": "salle", "type": "n'importe quoi"}).json()
    assert unknown["hits"] == [] and unknown["total"] == 2


NASTY = [
    "",
    "   ",
    "'",
    '"',
    "\\",
    "a & b | !c <-> d:* ( )",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\x00\x01\x1f",
    "🙂 émoji",
    "congé" * 5000,
    "-",
    "*",
    '"non fermé',
    "AND OR NOT",
    "%_%",
]


@pytest.mark.parametrize("query", NASTY)
def test_any_input_never_errors(client, portal, publish, query):
    publish("Une actualité")
    client.force_login(portal.cassel_agent)
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    data = client.get(API, {"q": query, "type": query[:50], "page": query[:10]}).json()
    assert len(data["query"]) <= 200


def test_page_types_are_not_counted_twice(client, portal, publish, monkeypatch):
    """With several page types, each has its own filter, and the total counts each page once."""
    from intranet.search import queries

    publish("Salle du conseil rénovée")
    client.force_login(portal.cassel_agent)
    real = queries._groups_from_counts

    def two_types(counts):
        groups, content_types = real(counts)
        return [*groups, queries.Group("kotje-guidepage", "Guides", 2, parent=queries.PAGES)], content_types

    monkeypatch.setattr(queries, "_groups_from_counts", two_types)
    data = client.get(API, {"q": "salle"}).json()
    assert {g["type"]: g["total"] for g in data["groups"]} == {
        "pages": 3,
        "news-newspage": 1,
        "kotje-guidepage": 2,
    }
    assert data["total"] == 3


def test_page_parameter_garbage_is_page_one(client, portal):
    client.force_login(portal.cassel_agent)
    assert client.get(URL, {"q": "x", "page": "-3"}).status_code == 200
    assert client.get(URL, {"q": "x", "page": "99999999999999999999"}).status_code == 200


def test_htmx_gets_results_fragment_only(client, portal, publish):
    publish("Congés de fin d'année")
    client.force_login(portal.cassel_agent)
    response = client.get(URL, {"q": "congés"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "Congés de fin d&#x27;année" in html
    assert "HX-Request" in response["Vary"]
    page = client.get(URL, {"q": "congés"}).content.decode()
    assert 'hx-get="/recherche/"' in page and 'method="get"' in page and "<h1>" in page


def test_highlight_escapes_then_marks():
    out = highlight("Les <congés> & la paie", stems("congé"))
    assert str(out) == "Les &lt;<mark>congés</mark>&gt; &amp; la paie"


def test_search_query_count(client, portal, publish, rooms_source, monkeypatch, django_assert_num_queries):
    """Session, user, department chart, view restrictions, page counts by type (one GROUP BY), page hits,
    their indexed text (on PostgreSQL view restrictions, counts, hits, their text and their pages come in one
    query), people COUNT, the header's unread count; the fake source costs nothing (the other apps' sources
    are left out: they pin their own). The same with 3 or 30 matching items."""
    from intranet import registry

    mine = {k: v for k, v in registry._registry.search_sources.items() if k == "rooms-test"}
    monkeypatch.setattr(registry._registry, "search_sources", mine)
    for i in range(3):
        publish(f"Salle numéro {i}")
    client.force_login(portal.hr_agent)
    client.get(URL, {"q": "salle"})
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 9) as ctx:
        assert client.get(URL, {"q": "salle"}).status_code == 200
    for i in range(27):
        publish(f"Salle bis {i}", departments=[portal.resources])
    with django_assert_num_queries(len(ctx.captured_queries)):
        html = client.get(URL, {"q": "salle"}).content.decode()
    assert "30 résultats" in html or "31 résultats" in html


def test_pages_under_a_view_restriction_the_agent_does_not_pass(client, portal, publish):
    """A password restriction hides a page and its subtree, a group restriction hides it from agents outside
    the groups, a login restriction hides nothing from agents; hidden pages are not counted either."""
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    publish("Astreinte ouverte")
    secret, team, logged_in = (
        publish("Astreinte secrète"),
        publish("Astreinte équipe"),
        publish("Astreinte agents"),
    )
    PageViewRestriction.objects.create(
        page=secret, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    group = Group.objects.create(name="Astreinte")
    PageViewRestriction.objects.create(page=team, restriction_type=PageViewRestriction.GROUPS).groups.add(
        group
    )
    PageViewRestriction.objects.create(page=logged_in, restriction_type=PageViewRestriction.LOGIN)
    client.force_login(portal.cassel_agent)

    def found():
        data = client.get(API, {"q": "astreinte"}).json()
        titles = sorted(h["title"] for h in data["hits"])
        assert sum(g["total"] for g in data["groups"] if not g["parent"]) == len(titles)
        return titles

    assert found() == ["Astreinte agents", "Astreinte ouverte"]
    portal.cassel_agent.groups.add(group)
    assert found() == ["Astreinte agents", "Astreinte ouverte", "Astreinte équipe"]
    PageViewRestriction.objects.create(
        page=secret.get_parent(), restriction_type=PageViewRestriction.PASSWORD, password="y"
    )
    assert found() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the written-out page search is PostgreSQL's")
def test_audience_sql_keeps_what_audience_q_keeps(portal, publish):
    """The page search checks audiences with `audience_sql` (SQL text); it keeps the pages `audience_q` keeps,
    for an agent of another commune, of the host through a parent department, and with no department."""
    from intranet.audience import audience_q, audience_sql
    from intranet.news.models import NewsPage

    publish("Pour tous")
    publish("Pour Bailleul", organisations=[portal.bailleul])
    publish("Pour la direction", departments=[portal.resources])
    publish("Pour la communication", departments=[portal.communication])
    for agent in (portal.hr_agent, portal.bailleul_agent, portal.cassel_agent, portal.editor):
        condition, params = audience_sql(NewsPage, agent, "a")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT a.page_ptr_id FROM news_newspage a WHERE {condition}", params)  # noqa: S608
            by_sql = {row[0] for row in cursor.fetchall()}
        assert by_sql == set(
            NewsPage.objects.filter(audience_q(NewsPage, agent)).values_list("pk", flat=True)
        )
    assert len(by_sql) == 2  # the editor: everyone's and the communication's


def test_no_result_reads_as_french(client, portal):
    """Zero is « Aucun résultat », never « 0 résultat »; one is singular, more plural."""
    client.force_login(portal.cassel_agent)
    html = client.get(URL, {"q": "zzzqqq"}).content.decode()
    assert "Aucun résultat pour « zzzqqq »" in html and "0 résultat" not in html
    html = client.get(URL, {"q": "Lemaire"}).content.decode()
    assert "1 résultat pour « Lemaire »" in html
