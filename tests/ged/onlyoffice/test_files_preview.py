"""The preview of office files: converted to PDF by the Document Server (the simulator, over real HTTP) on
the frame's first requests, then kept per content so it is converted once; failures are a French message
in the frame, never a 500."""

import html as htmllib

import pytest
from django.urls import reverse

from ged import preview as previews

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _no_poll_delay(settings):
    settings.ONLYOFFICE_CONVERSION_INTERVAL = 0


def _converter_calls(sim) -> int:
    return sum(sim.converter_polls.values())


def _url(document, attempt=None):
    url = reverse("ged:preview_version", args=[document.current_version_id])
    return url if attempt is None else f"{url}?essai={attempt}"


def test_office_preview_is_converted_once_then_served_from_the_cache(
    client, onlyoffice_on, oo_reader, oo_docx
):
    client.force_login(oo_reader)
    page = client.get(reverse("ged:document", args=[oo_docx.pk])).content.decode()
    assert f'<iframe class="ged-doc-preview-frame" src="{_url(oo_docx)}"' in page
    # The simulator answers « not yet » to the first call: the frame says so and refreshes itself.
    waiting = client.get(_url(oo_docx))
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert "Aperçu en préparation" in html
    assert f'<meta http-equiv="refresh" content="1;url={_url(oo_docx, 1)}">' in html
    ready = client.get(_url(oo_docx, 1))
    assert ready.status_code == 200
    assert ready["Content-Type"] == "application/pdf"
    assert ready["Content-Disposition"].startswith("inline")
    assert ready["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in ready["Content-Security-Policy"]
    assert b"".join(ready.streaming_content).startswith(b"%PDF-")
    calls = _converter_calls(onlyoffice_on)
    assert calls == 2
    # Kept per content: the next views call nobody.
    assert previews.cached_pdf_open(oo_docx.current_version.blob_id) is not None
    again = client.get(_url(oo_docx))
    assert again["Content-Type"] == "application/pdf"
    assert b"".join(again.streaming_content).startswith(b"%PDF-")
    assert _converter_calls(onlyoffice_on) == calls


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-3, "Le serveur de documents n'a pas pu convertir ce fichier"),
        (-8, "Le serveur de documents a refusé la demande (jeton invalide)"),
    ],
)
def test_conversion_failure_is_a_french_message_not_a_500(
    client, onlyoffice_on, oo_reader, oo_docx, code, message
):
    onlyoffice_on.converter_error = code
    client.force_login(oo_reader)
    response = client.get(_url(oo_docx))
    assert response.status_code == 200
    html = htmllib.unescape(response.content.decode())
    assert "L'aperçu n'a pas pu être préparé." in html and message in html
    assert "http-equiv" not in html  # no endless refresh
    assert previews.cached_pdf_open(oo_docx.current_version.blob_id) is None


def test_document_server_down_is_a_french_message(client, settings, onlyoffice_on, oo_reader, oo_docx):
    settings.ONLYOFFICE_INTERNAL_URL = "http://127.0.0.1:9"  # nothing listens there
    client.force_login(oo_reader)
    response = client.get(_url(oo_docx))
    assert response.status_code == 200
    assert "Le serveur de documents ne répond pas" in htmllib.unescape(response.content.decode())


def test_waiting_is_bounded(client, settings, monkeypatch, onlyoffice_on, oo_reader, oo_docx):
    settings.ONLYOFFICE_CONVERSION_TRIES = 3
    monkeypatch.setattr(onlyoffice_on, "convert", lambda params: {"endConvert": False, "percent": 40})
    client.force_login(oo_reader)
    assert "Aperçu en préparation" in client.get(_url(oo_docx, 1)).content.decode()
    response = client.get(_url(oo_docx, 2))
    assert response.status_code == 200
    assert "La conversion a pris trop de temps" in htmllib.unescape(response.content.decode())


def test_outsider_gets_404_and_the_document_server_is_not_called(
    client, onlyoffice_on, make_user, oo_reader, oo_docx
):
    client.force_login(make_user("oscar.ailleurs"))
    assert client.get(_url(oo_docx)).status_code == 404
    assert _converter_calls(onlyoffice_on) == 0
    client.force_login(oo_reader)
    assert client.get(_url(oo_docx)).status_code == 200  # control
