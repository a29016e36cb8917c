"""The news list and a news page: only what is addressed to the agent (404 otherwise), category filter,
pagination, pinned query counts."""

import pytest
from django.test.utils import override_settings

pytestmark = pytest.mark.django_db

LIST = "/actualites/"


def test_cassel_agent_does_not_see_bailleul_news(client, portal, publish):
    """An agent of Cassel sees neither the list entry nor the page of a news item only for Bailleul."""
    only_bailleul = publish("Fermeture de l'hôtel de ville de Bailleul", organisations=[portal.bailleul])
    publish("Le conseil communautaire")
    client.force_login(portal.cassel_agent)
    html = client.get(LIST).content.decode()
    assert "Le conseil communautaire" in html
    assert "Bailleul" not in html
    assert client.get(only_bailleul.url).status_code == 404

    client.force_login(portal.bailleul_agent)
    html = client.get(LIST).content.decode()
    assert "Fermeture de l&#x27;hôtel de ville de Bailleul" in html
    assert client.get(only_bailleul.url).status_code == 200


def test_department_audience_includes_sub_services(client, portal, publish):
    """News for the « Direction des ressources » reaches an agent of its « Ressources humaines » service."""
    page = publish("Entretiens professionnels", departments=[portal.resources])
    client.force_login(portal.hr_agent)
    assert client.get(page.url).status_code == 200
    client.force_login(portal.bailleul_agent)
    assert client.get(page.url).status_code == 404


def test_missing_news_and_hidden_news_answer_alike(client, portal, publish):
    hidden = publish("Réservé à Bailleul", organisations=[portal.bailleul])
    client.force_login(portal.cassel_agent)
    missing = client.get(LIST + "n-existe-pas/")
    forbidden = client.get(hidden.url)
    assert missing.status_code == forbidden.status_code == 404
    assert "Réservé à Bailleul" not in forbidden.content.decode()


def test_category_filter_and_unknown_category(client, portal, publish):
    publish("Paie de décembre", category=portal.category)
    publish("Marché de Noël à Cassel", category=portal.other_category)
    client.force_login(portal.cassel_agent)
    html = client.get(LIST, {"categorie": "communes"}).content.decode()
    assert "Marché de Noël à Cassel" in html and "Paie de décembre" not in html
    assert 'aria-current="page">Vie des communes' in html
    html = client.get(LIST, {"categorie": "<script>x</script>" * 20}).content.decode()
    assert "0 actualité" in html and "<script>x" not in html


def test_categories_of_hidden_news_are_not_listed(client, portal, publish):
    publish("Réservé à Bailleul", organisations=[portal.bailleul], category=portal.other_category)
    publish("Pour tous", category=portal.category)
    client.force_login(portal.cassel_agent)
    html = client.get(LIST).content.decode()
    assert "Vie des communes" not in html and "Ressources humaines" in html


@override_settings(NEWS_PAGE_SIZE=3)
def test_pagination(client, portal, publish):
    for i in range(7):
        publish(f"Nouvelle numéro {i}", days_ago=i + 1)
    client.force_login(portal.cassel_agent)
    html = client.get(LIST).content.decode()
    assert "Nouvelle numéro 0" in html and "Nouvelle numéro 3" not in html
    assert "Page 1 sur 3" in html and 'rel="next"' in html
    html = client.get(LIST, {"page": "3"}).content.decode()
    assert "Nouvelle numéro 6" in html
    assert client.get(LIST, {"page": "abc"}).status_code == 200


def test_list_query_count_is_constant(client, portal, publish, django_assert_num_queries):
    """Session, user, Wagtail's routing (site, 3 page levels, alias check, view restrictions), categories,
    the department chart, COUNT, SELECT, the header's unread count."""
    publish("Première", must_read=True)
    client.force_login(portal.hr_agent)
    client.get(LIST)
    with django_assert_num_queries(13):
        assert client.get(LIST).status_code == 200
    for i in range(12):
        publish(f"Encore {i}", departments=[portal.resources], must_read=i % 2 == 0)
    with django_assert_num_queries(13):
        assert client.get(LIST).status_code == 200


def test_detail_query_count(client, portal, publish, django_assert_num_queries):
    """Session, user, Wagtail's routing (site, 4 page levels and the specific page, alias check, view
    restrictions), the department chart and the page's two audience lists (read once though checked twice),
    the communication-manager check, the acknowledgement, the category, the header's unread count."""
    page = publish("Charte informatique", must_read=True, departments=[portal.resources])
    client.force_login(portal.hr_agent)
    client.get(page.url)
    with django_assert_num_queries(17):
        response = client.get(page.url)
    html = response.content.decode()
    assert "Charte informatique" in html and "J'ai lu</button>" in html
    assert "Taux de lecture" not in html  # only for its author and the managers
