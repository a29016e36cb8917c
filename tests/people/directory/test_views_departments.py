"""Department pages: the organisation chart (organisations → directions → services) and each service."""

import pytest

pytestmark = pytest.mark.django_db


def test_org_tree_nests_services_under_directions_per_organisation(helene_client, chart):
    """The host organisation comes first, its direction holds its services, each with its active agents."""
    html = helene_client.get("/annuaire/services/").content.decode()
    assert "<h1>Organigramme des services</h1>" in html
    host = html.index("Communauté de communes de Flandre Intérieure")
    commune = html.index(">Bailleul</h2>")
    assert host < commune
    direction = html.index("Direction de l&#x27;aménagement</a>")
    habitat = html.index(">Habitat</a>")
    urbanisme = html.index(">Urbanisme</a>")
    assert host < direction < habitat < urbanisme < commune
    assert html.index("</ul>", direction) > urbanisme  # services are inside the direction's list
    # Urbanisme: Hélène and Paul; the leaver is not counted.
    assert "2 agents" in html[urbanisme : urbanisme + 200]


def test_department_page_shows_path_head_missions_contact_children_people(helene_client, chart):
    html = helene_client.get(f"/annuaire/services/{chart.amenagement.slug}/").content.decode()
    assert "<h1>Direction de l&#x27;aménagement</h1>" in html
    assert "Urbanisme, habitat et mobilités du territoire." in html
    assert 'href="mailto:amenagement@ccfi.example"' in html and 'href="tel:0328000000"' in html
    children = html[html.index('id="dept-children-list"') :]
    assert children.index("Habitat") < children.index("Urbanisme")
    assert 'href="/annuaire/francois.deswarte/">François Deswarte</a>' in html  # a member

    html = helene_client.get(f"/annuaire/services/{chart.urbanisme.slug}/").content.decode()
    assert '<span aria-current="page">Urbanisme</span>' in html
    assert f'href="/annuaire/services/{chart.amenagement.slug}/">Direction' in html
    assert 'id="dept-head"><a href="/annuaire/francois.deswarte/">' in html
    people = html[html.index('id="dept-people-list"') :]
    assert "Hélène Lefebvre" in people and "Paul Dewitte" in people and "Léo" not in people


def test_missing_department_answers_404(helene_client, chart):
    assert helene_client.get("/annuaire/services/inconnu/").status_code == 404
    assert helene_client.get(f"/annuaire/services/{chart.habitat.slug}/").status_code == 200


def test_department_pages_query_counts_are_pinned(helene_client, chart, make_user, django_assert_num_queries):
    """Tree: session, user, unread count, one query for the chart with its head counts. Department: the
    department with organisation and head, the chart, its members, and one query per section other apps
    registered (the department's salon…)."""
    from intranet import registry

    department_queries = 6 + len(registry.department_sections())
    helene_client.get("/annuaire/services/")
    with django_assert_num_queries(4):
        helene_client.get("/annuaire/services/")
    url = f"/annuaire/services/{chart.urbanisme.slug}/"
    helene_client.get(url)
    with django_assert_num_queries(department_queries):
        helene_client.get(url)
    for i in range(10):
        make_user(f"urba{i}", department=chart.urbanisme, employer=chart.host)
    with django_assert_num_queries(department_queries):
        html = helene_client.get(url).content.decode()
    assert html.count('class="person-card"') == 12
