"""The directory page: a no-JS search form, results as you type through htmx, pagination, pinned queries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/annuaire/"


def test_nav_has_directory_entry(helene_client):
    """Every page's main menu leads to the directory."""
    assert reverse("directory:index") == URL
    html = helene_client.get("/notifications/").content.decode()
    assert f'<a href="{URL}">Annuaire</a>' in html


def test_no_js_form_gets_full_page_with_results(helene_client, chart):
    """Without JavaScript the GET form submits and the whole page comes back with the results and filters."""
    response = helene_client.get(URL, {"q": "cadastre"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Annuaire des agents</h1>" in html
    assert 'method="get"' in html and 'type="submit"' in html
    assert 'value="cadastre"' in html  # the query is kept in the box
    assert "1 agent trouvé" in html
    assert "/annuaire/helene.lefebvre/" in html
    assert "Léo" not in html
    assert (
        f'<option value="{chart.urbanisme.slug}">Direction de l&#x27;aménagement › Urbanisme</option>' in html
    )
    assert f'<option value="{chart.bailleul.pk}">Bailleul</option>' in html


def test_htmx_request_gets_results_fragment_only(helene_client, chart):
    """The search box's htmx request gets the results fragment, not a page; caches keep the two apart."""
    response = helene_client.get(URL, {"q": "sig"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<h1>" not in html
    assert "2 agents trouvés" in html
    assert html.index("Paul") < html.index("Hélène")
    assert "HX-Request" in response["Vary"]
    # A history restore (htmx cache miss on « back ») needs the whole page.
    restore = helene_client.get(
        URL, {"q": "sig"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<h1>Annuaire des agents</h1>" in restore.content.decode()


def test_search_box_is_wired_for_htmx(helene_client, chart):
    html = helene_client.get(URL).content.decode()
    assert 'hx-get="/annuaire/"' in html and 'hx-target="#directory-results"' in html
    assert "delay:300ms" in html


def test_filters_apply_and_bad_values_are_ignored(helene_client, chart):
    """The department and employer filters narrow the list; malformed values are ignored, not an error."""
    html = helene_client.get(URL, {"employeur": chart.bailleul.pk}).content.decode()
    assert "1 agent trouvé" in html and "Anaïs" in html
    html = helene_client.get(URL, {"service": chart.habitat.slug}).content.decode()
    assert "1 agent trouvé" in html and "Noël" in html
    html = helene_client.get(URL, {"service": "../x", "employeur": "abc", "page": "zz"}).content.decode()
    assert "5 agents trouvés" in html


def test_results_are_paginated(helene_client, chart, make_user, settings):
    """Twenty agents a page, with links that keep the query."""
    for i in range(25):
        make_user(f"geo{i:02d}", last_name=f"Zgeo{i:02d}", job_title="Géomaticien")
    html = helene_client.get(URL, {"q": "geomaticien"}).content.decode()
    assert "26 agents trouvés" in html and "Page 1 sur 2" in html
    assert "?q=geomaticien&amp;page=2" in html
    html = helene_client.get(URL, {"q": "geomaticien", "page": 2}).content.decode()
    assert "Zgeo24" in html and "Zgeo00" not in html


def test_directory_requires_login(client, chart):
    response = client.get(URL)
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def _count(helene_client, django_assert_num_queries, n, **params):
    helene_client.get(URL, params)  # warm the caches (host name, admin link, content types)
    with django_assert_num_queries(n):
        helene_client.get(URL, params)
    # The fragment has no header (unread count) and no filter lists.
    with django_assert_num_queries(n - 3):
        helene_client.get(URL, params, headers={"HX-Request": "true"})


def test_page_query_count_is_pinned_and_does_not_grow(
    helene_client, chart, make_user, django_assert_num_queries
):
    """Session, user, unread count; department and employer lists; COUNT, page, skills prefetch."""
    _count(helene_client, django_assert_num_queries, 8, q="sig")
    for i in range(15):
        make_user(f"sig{i}", job_title="SIG", employer=chart.bailleul).skills.set(["SIG", f"x{i}"])
    _count(helene_client, django_assert_num_queries, 8, q="sig")
