"""Errors look like the product: French pages for 400, 403, 404, 405, 413, 429 and 500, each with a way back,
the same in the demo (DEBUG on) unless the developer asks for Django's technical pages."""

import pytest
from django.http import HttpResponse
from django.test import Client

from intranet.middleware import ErrorPagesMiddleware

pytestmark = pytest.mark.django_db


def _page(response) -> str:
    body = response.content.decode()
    assert 'href="/"' in body, "no way back to the home page"
    assert '<html lang="fr"' in body
    return body


def test_refused_parameter_gets_french_400_page_with_its_message(agent_client):
    response = agent_client.get("/salles/?site=12abc")
    assert response.status_code == 400
    body = _page(response)
    assert "Demande invalide" in body and "Identifiant invalide" in body
    assert agent_client.get("/salles/?site=12").status_code == 200


def test_missing_object_gets_french_404_page(agent_client):
    response = agent_client.get("/discussions/987654/")
    assert response.status_code == 404
    assert "Page introuvable" in _page(response)


def test_404_offers_the_previous_page_when_it_is_ours(agent_client):
    response = agent_client.get("/discussions/987654/", headers={"Referer": "http://testserver/salles/"})
    assert 'href="http://testserver/salles/"' in _page(response)
    foreign = agent_client.get("/discussions/987654/", headers={"Referer": "https://evil.example/"})
    assert "evil.example" not in _page(foreign)


def test_wrong_method_gets_french_405_page_keeping_allow(agent_client):
    response = agent_client.post("/salles/")
    assert response.status_code == 405
    assert "Action impossible à cette adresse" in _page(response)
    assert response["Allow"] == "GET"
    assert agent_client.get("/salles/").status_code == 200


def test_oversize_form_gets_french_413_page(agent_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = agent_client.post("/compte/jetons/", {"name": "x" * 2000})
    assert response.status_code == 413
    assert "Contenu trop volumineux" in _page(response)
    assert agent_client.post("/compte/jetons/", {"name": "court", "days": "30"}).status_code == 200


def test_empty_429_gets_french_page_keeping_retry_after(rf, agent):
    def limited(request):
        response = HttpResponse(status=429)
        response["Retry-After"] = "30"
        return response

    request = rf.get("/")
    request.user = agent
    response = ErrorPagesMiddleware(limited)(request)
    assert response.status_code == 429
    assert "Trop de demandes" in _page(response)
    assert response["Retry-After"] == "30"


def test_server_error_page_has_a_way_back(rf):
    from intranet.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert 'href="/"' in response.content.decode()


def test_api_errors_stay_json(agent_client):
    response = agent_client.get("/api/v1/news?page=0x10")
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith("application/json")


def test_ordinary_agent_opening_cms_gets_a_403_that_explains(agent_client, make_user):
    """No loop between /cms/ and the login page: the admin is for editors, and the page says so."""
    response = agent_client.get("/cms/", follow=False)
    assert response.status_code == 403
    body = _page(response)
    assert "réservée aux rédacteurs" in body
    it = make_user("admin.si", superuser=True)
    client = Client()
    client.force_login(it)
    assert client.get("/cms/").status_code == 200


def test_anonymous_opening_cms_goes_to_the_login_page(client):
    response = client.get("/cms/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize(
    "path", ["/discussions/987654/", "/fichier-inconnu.txt", "/salles/1/?semaine=9999-12-31"]
)
def test_demo_with_debug_shows_product_pages(agent_client, settings, path):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_404 = False
    response = agent_client.get(path)
    assert response.status_code in (400, 404)
    body = _page(response)
    assert "DEBUG = True" not in body


def test_developer_mode_keeps_django_technical_404(agent_client, settings):
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_404 = True
    response = agent_client.get("/fichier-inconnu.txt")
    assert response.status_code == 404
    assert "DEBUG = True" in response.content.decode()
