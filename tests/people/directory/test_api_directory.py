"""Directory API: /api/v1/people (search, detail) and /api/v1/departments (flat list, detail)."""

import pytest

from intranet.people.actions import api_token_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/api/v1/people", "/api/v1/people/helene.lefebvre", "/api/v1/departments", "/api/v1/departments/x"],
)
def test_endpoints_answer_401_without_credentials(client, chart, path):
    response = client.get(path)
    assert response.status_code == 401
    assert "Authentification requise" in response.json()["detail"]


def test_people_search_is_paginated_active_only_and_accent_insensitive(helene_client, chart):
    body = helene_client.get("/api/v1/people", {"q": "helene"}).json()
    assert body["count"] == 1
    person = body["items"][0]
    assert person["username"] == "helene.lefebvre" and person["full_name"] == "Hélène Lefebvre"
    assert person["skills"] == ["cadastre", "SIG"]
    assert person["department"]["slug"] == chart.urbanisme.slug
    assert person["employer"]["name"].startswith("Communauté")
    assert person["absent_until"] is not None

    body = helene_client.get("/api/v1/people", {"page_size": 2}).json()
    assert body["count"] == 5 and len(body["items"]) == 2  # the leaver is not counted
    body = helene_client.get("/api/v1/people", {"page_size": 2, "page": 3}).json()
    assert [p["username"] for p in body["items"]] == ["noel.vanhee"]


def test_people_filters(helene_client, chart):
    by_dept = helene_client.get("/api/v1/people", {"department": chart.amenagement.slug}).json()
    assert by_dept["count"] == 4
    by_employer = helene_client.get("/api/v1/people", {"employer": chart.bailleul.pk}).json()
    assert [p["username"] for p in by_employer["items"]] == ["anais.decool"]
    by_skill = helene_client.get("/api/v1/people", {"q": "sig", "department": chart.urbanisme.slug}).json()
    assert by_skill["count"] == 2


def test_people_detail_with_token(client, chart):
    """A script with a personal token reads a profile: team, path, manager, backup during an absence."""
    _token, secret = api_token_create(user=chart.anais, name="script")
    response = client.get("/api/v1/people/helene.lefebvre", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    body = response.json()
    assert body["what_i_do"].startswith("J'instruis")
    assert body["office_days"] == [1, 2, 4]
    assert [d["name"] for d in body["department_path"]] == ["Direction de l'aménagement", "Urbanisme"]
    assert body["manager"]["username"] == "francois.deswarte"
    assert body["backup_contact"]["username"] == "paul.dewitte"
    assert [p["username"] for p in body["colleagues"]] == ["paul.dewitte"]
    assert body["direct_reports"] == []


@pytest.mark.parametrize("username", ["leo.parti", "personne"])
def test_people_detail_inactive_or_missing_is_404_in_french(helene_client, chart, username):
    response = helene_client.get(f"/api/v1/people/{username}")
    assert response.status_code == 404
    assert response.json()["detail"] == "Aucun agent en poste ne porte cet identifiant."
    assert helene_client.get("/api/v1/people/noel.vanhee").status_code == 200


def test_departments_flat_list_has_parent_ids_and_counts(helene_client, chart):
    body = helene_client.get("/api/v1/departments").json()
    by_slug = {d["slug"]: d for d in body}
    assert by_slug[chart.urbanisme.slug]["parent_id"] == chart.amenagement.pk
    assert by_slug[chart.amenagement.slug]["parent_id"] is None
    assert by_slug[chart.urbanisme.slug]["people"] == 2
    assert by_slug["bailleul-mairie"]["organisation_id"] == chart.bailleul.pk


def test_department_detail_and_404(helene_client, chart):
    body = helene_client.get(f"/api/v1/departments/{chart.urbanisme.slug}").json()
    assert body["head"]["username"] == "francois.deswarte"
    assert [d["slug"] for d in body["path"]] == [chart.amenagement.slug, chart.urbanisme.slug]
    assert sorted(p["username"] for p in body["people"]) == ["helene.lefebvre", "paul.dewitte"]
    body = helene_client.get(f"/api/v1/departments/{chart.amenagement.slug}").json()
    assert [d["name"] for d in body["children"]] == ["Habitat", "Urbanisme"]
    response = helene_client.get("/api/v1/departments/inconnu")
    assert response.status_code == 404
    assert response.json()["detail"] == "Aucun service ne porte cet identifiant."


def test_api_query_counts_are_pinned(helene_client, chart, make_user, django_assert_num_queries):
    """Session and user, then: list = COUNT + page + skills; detail = person + skills + chart + team;
    departments = one query; department = department + chart + members."""
    helene_client.get("/api/v1/people")
    for extra in (0, 12):
        for i in range(extra):
            make_user(f"more{i}", department=chart.urbanisme).skills.set([f"s{i}"])
        with django_assert_num_queries(5):
            assert helene_client.get("/api/v1/people", {"page_size": 50}).json()["count"] == 5 + extra
        with django_assert_num_queries(6):
            helene_client.get("/api/v1/people/helene.lefebvre")
        with django_assert_num_queries(3):
            helene_client.get("/api/v1/departments")
        with django_assert_num_queries(5):
            helene_client.get(f"/api/v1/departments/{chart.urbanisme.slug}")
