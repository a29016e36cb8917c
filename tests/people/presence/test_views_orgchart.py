"""The « Organigramme »: departments with heads and members, the profile's manager chain; query counts."""

import pytest

pytestmark = pytest.mark.django_db


def test_org_chart_shows_tree_heads_and_members(helene_client, chart):
    response = helene_client.get("/organigramme/")
    html = response.content.decode()
    assert response.status_code == 200
    urbanisme = html[html.index(f'id="orgchart-{chart.urbanisme.slug}"') :]
    urbanisme = urbanisme[: urbanisme.index("</details>")]
    # The head set on the department, then its members; the leaver nowhere.
    assert 'Responsable : <a href="/annuaire/francois.deswarte/">' in urbanisme
    assert 'href="/annuaire/helene.lefebvre/"' in urbanisme and 'href="/annuaire/paul.dewitte/"' in urbanisme
    assert "Léo" not in html
    # Nested under the direction, and printable (print stylesheet and script).
    direction = html.index(f'id="orgchart-{chart.amenagement.slug}"')
    assert direction < html.index(f'id="orgchart-{chart.urbanisme.slug}"')
    assert "people.css" in html and "print-details.js" in html


def test_head_comes_from_managers_when_none_is_set(helene_client, chart, make_user):
    """Habitat has no head: the member who manages others below it, reporting outside it, is shown."""
    boss = make_user(
        "bea.chef", first_name="Béa", last_name="Chef", department=chart.habitat, manager=chart.director
    )
    chart.noel.manager = boss
    chart.noel.save()
    html = helene_client.get("/organigramme/").content.decode()
    habitat = html[html.index(f'id="orgchart-{chart.habitat.slug}"') :]
    habitat = habitat[: habitat.index("</details>")]
    assert 'Responsable : <a href="/annuaire/bea.chef/">' in habitat


def test_org_chart_query_count_is_pinned(helene_client, chart, make_user, django_assert_num_queries):
    """Session, user, unread count, the departments with heads, the agents: whatever their number."""
    helene_client.get("/organigramme/")
    with django_assert_num_queries(5):
        helene_client.get("/organigramme/")
    for i in range(12):
        make_user(f"member{i}", department=chart.habitat, manager=chart.noel)
    with django_assert_num_queries(5):
        assert "member11" in helene_client.get("/organigramme/").content.decode()


def test_profile_shows_the_manager_chain_in_one_query(
    helene_client, chart, make_user, django_assert_num_queries
):
    top = make_user("dgs", first_name="Régine", last_name="Haut")
    chart.director.manager = top
    chart.director.save()
    html = helene_client.get("/annuaire/helene.lefebvre/").content.decode()
    chain = html[html.index('id="profile-chain"') :]
    chain = chain[: chain.index("</ol>")]
    assert chain.index("/annuaire/francois.deswarte/") < chain.index("/annuaire/dgs/")
    # Same count with a longer chain: the chain is one query.
    url = "/annuaire/helene.lefebvre/"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        helene_client.get(url)
    top.manager = make_user("president", first_name="Paul", last_name="Président")
    top.save()
    with django_assert_num_queries(len(first.captured_queries)):
        assert "/annuaire/president/" in helene_client.get(url).content.decode()
