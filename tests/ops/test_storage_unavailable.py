"""Storage down: a French 503 page (JSON under /api/) with Retry-After, never a 500."""

import html

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ops.urls")]


def test_storage_down_gives_a_french_503_page(client):
    response = client.get("/_ops/storage-down")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    text = html.unescape(response.content.decode())
    assert "Service momentanément indisponible" in text
    assert "Le stockage des fichiers ne répond pas pour le moment" in text
    assert "Rien n'a été enregistré" in text
    assert response["X-Request-ID"]


def test_storage_down_under_the_api_gives_json_503(client):
    response = client.get("/api/v1/_ops/storage-down")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "stockage des fichiers ne répond pas" in response.json()["detail"]


def test_storage_down_page_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/_ops/storage-down", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "File storage is not answering" in html.unescape(response.content.decode())
