"""Conversions through the Document Server's Conversion API, against the simulator over real HTTP."""

import io

import docx
import pytest
from django.urls import reverse

from ged import conversion, storage
from ged.models import Document

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016  # what a legacy .doc/.xls/.ppt starts with


@pytest.fixture(autouse=True)
def _no_poll_delay(settings):
    settings.ONLYOFFICE_CONVERSION_INTERVAL = 0


@pytest.fixture
def legacy_doc(upload, oo_folder, manager):
    document, _v = upload(oo_folder, "Ancien courrier.doc", OLE + b"Ancien courrier", author=manager)
    return document


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


HTMX = {"HTTP_HX_REQUEST": "true"}


def _convert(client, document, *, polls: int = 5):
    """« Convertir au format … » as the page does it: the POST, then htmx polls of the status view until
    it redirects. Returns the last response."""
    response = client.post(reverse("ged:convert_ooxml", args=[document.pk]))
    calls, base = 1, None
    for _ in range(polls):
        if response.status_code != 200:
            break
        page = response.content.decode()
        assert reverse("ged:convert_ooxml_status", args=[document.pk]) in page
        base = base or document.current_version.number
        response = client.post(
            reverse("ged:convert_ooxml_status", args=[document.pk]), {"calls": calls, "base": base}, **HTMX
        )
        calls += 1
    return response


def _pdf(client, document, *, polls: int = 5):
    """« Télécharger en PDF » as the page does it: the GET, htmx polls, then the GET again."""
    response = client.get(reverse("ged:download_pdf", args=[document.pk]))
    calls = 1
    for _ in range(polls):
        if response.status_code != 200 or response.streaming:
            return response
        response = client.get(
            reverse("ged:download_pdf_status", args=[document.pk]), {"calls": calls}, **HTMX
        )
        calls += 1
        if response.status_code == 204:
            assert response["HX-Redirect"] == reverse("ged:download_pdf", args=[document.pk])
            return client.get(response["HX-Redirect"])
    return response


def _converter_calls(sim) -> list[dict]:
    return [
        r
        for r in sim.requests
        if r.get("direction") == "in"
        and r.get("method") == "POST"
        and r.get("path", "").startswith("/converter")
    ]


def test_convert_doc_to_docx_creates_a_version(client, onlyoffice_on, oo_editor, legacy_doc):
    """« Convertir au format DOCX »: a new version of the same document, renamed, with a comment; while the DS
    answers endConvert false, the page polls the status view (htmx), one converter call per poll."""
    client.force_login(oo_editor)
    page = client.get(reverse("ged:document", args=[legacy_doc.pk])).content.decode()
    assert "Convertir au format DOCX" in page and "Télécharger en PDF" in page

    waiting = client.post(reverse("ged:convert_ooxml", args=[legacy_doc.pk]))
    assert waiting.status_code == 200
    assert "Le serveur de documents convertit le fichier" in waiting.content.decode()
    assert 'hx-post="' + reverse("ged:convert_ooxml_status", args=[legacy_doc.pk]) in waiting.content.decode()
    assert len(_converter_calls(onlyoffice_on)) == 1
    response = client.post(
        reverse("ged:convert_ooxml_status", args=[legacy_doc.pk]), {"calls": 1, "base": 1}, **HTMX
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("ged:document", args=[legacy_doc.pk])
    assert _messages(response) == ["Le document est converti au format DOCX (version 2)."]
    legacy_doc.refresh_from_db()
    assert legacy_doc.title == "Ancien courrier.docx"
    version = legacy_doc.current_version
    assert (version.number, version.author, version.comment) == (2, oo_editor, "Converti au format DOCX")
    assert version.original_name == "Ancien courrier.docx"
    with storage.blob_open(version.blob_id) as fh:
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(fh.read())).paragraphs)
    assert "Converti par le simulateur" in text
    assert legacy_doc.versions.get(number=1).blob_id != version.blob_id
    # First answer endConvert: false, then the same request (same key) gives the result.
    assert len(_converter_calls(onlyoffice_on)) == 2
    assert list(onlyoffice_on.converter_polls.values()) == [2]
    assert onlyoffice_on.attacker.hits == 0


def test_pdf_download_streams_a_pdf_and_stores_nothing(client, onlyoffice_on, oo_reader, oo_docx):
    """Readers may download a PDF rendition; it is streamed, never kept as a version."""
    client.force_login(oo_reader)
    waiting = client.get(reverse("ged:download_pdf", args=[oo_docx.pk]))
    assert waiting.status_code == 200 and not waiting.streaming
    assert "Le serveur de documents prépare le PDF" in waiting.content.decode()
    poll = client.get(reverse("ged:download_pdf_status", args=[oo_docx.pk]), {"calls": 1}, **HTMX)
    assert poll.status_code == 204
    assert len(_converter_calls(onlyoffice_on)) == 2
    response = client.get(poll["HX-Redirect"])
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="Rapport annuel.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert oo_docx.versions.count() == 1


def test_reader_cannot_convert(client, onlyoffice_on, oo_reader, oo_editor, legacy_doc):
    client.force_login(oo_reader)
    assert (
        "Convertir au format"
        not in client.get(reverse("ged:document", args=[legacy_doc.pk])).content.decode()
    )
    assert client.post(reverse("ged:convert_ooxml", args=[legacy_doc.pk])).status_code == 404
    status_url = reverse("ged:convert_ooxml_status", args=[legacy_doc.pk])
    assert client.post(status_url, {"calls": 1, "base": 1}, **HTMX).status_code == 404
    assert legacy_doc.versions.count() == 1
    assert _converter_calls(onlyoffice_on) == []
    client.force_login(oo_editor)
    assert _convert(client, legacy_doc).status_code == 204
    assert legacy_doc.versions.count() == 2


def test_only_legacy_formats_are_converted(client, onlyoffice_on, oo_editor, oo_docx):
    client.force_login(oo_editor)
    assert client.post(reverse("ged:convert_ooxml", args=[oo_docx.pk])).status_code == 404


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-4, "Le serveur de documents n'a pas pu récupérer le fichier auprès de l'intranet."),
        (-8, "Le serveur de documents a refusé la demande (jeton invalide)"),
    ],
)
def test_conversion_errors_are_french_and_store_nothing(
    client, onlyoffice_on, oo_editor, legacy_doc, code, message
):
    onlyoffice_on.converter_error = code
    client.force_login(oo_editor)
    response = _convert(client, legacy_doc)
    assert response.status_code == 302
    assert _messages(response)[0].startswith(message)
    legacy_doc.refresh_from_db()
    assert legacy_doc.title == "Ancien courrier.doc"
    assert legacy_doc.versions.count() == 1
    pdf = _pdf(client, legacy_doc)
    assert pdf.status_code == 302
    assert _messages(pdf)[-1].startswith(message)


def test_wrong_secret_on_our_side_is_reported_as_invalid_token(
    client, settings, onlyoffice_on, oo_editor, legacy_doc
):
    """A real -8: the DS cannot verify our token."""
    settings.ONLYOFFICE_JWT_SECRET = "a-different-secret-of-more-than-32-characters"
    client.force_login(oo_editor)
    response = _convert(client, legacy_doc)
    assert "jeton invalide" in _messages(response)[0]
    assert legacy_doc.versions.count() == 1


def test_polling_is_bounded(client, settings, monkeypatch, onlyoffice_on, oo_editor, legacy_doc):
    """A DS still converting after the allowed tries: a timeout message, nothing stored."""
    settings.ONLYOFFICE_CONVERSION_TRIES = 1
    client.force_login(oo_editor)
    response = _convert(client, legacy_doc)
    assert "La conversion a pris trop de temps" in _messages(response)[0]
    assert legacy_doc.versions.count() == 1
    assert len(_converter_calls(onlyoffice_on)) == 1
    # Each poll is one converter call, and the count of calls so far comes with the poll.
    settings.ONLYOFFICE_CONVERSION_TRIES = 3
    onlyoffice_on.converter_polls.clear()
    monkeypatch.setattr(onlyoffice_on, "convert", lambda params: {"endConvert": False, "percent": 40})
    before = len(_converter_calls(onlyoffice_on))
    waiting = client.post(reverse("ged:convert_ooxml", args=[legacy_doc.pk]))
    assert 'value="40"' in waiting.content.decode()
    status_url = reverse("ged:convert_ooxml_status", args=[legacy_doc.pk])
    poll = client.post(status_url, {"calls": 1, "base": 1}, **HTMX)
    assert poll.status_code == 200 and '"calls": "2"' in poll.content.decode()
    last = client.post(status_url, {"calls": 2, "base": 1}, **HTMX)
    assert last.status_code == 204 and "La conversion a pris trop de temps" in _messages(last)[-1]
    assert len(_converter_calls(onlyoffice_on)) == before + 3


@pytest.mark.parametrize("where", ["attacker", "redirect"])
def test_result_outside_the_ds_origin_is_never_fetched(
    client, monkeypatch, onlyoffice_on, oo_editor, legacy_doc, where
):
    """A `fileUrl` on another origin, or a DS URL that redirects there: refused, the attacker sees nothing."""
    sim = onlyoffice_on
    if where == "attacker":
        file_url = f"{sim.attacker.url}/cache/files/x/output.docx"
    else:
        sim.redirects["conv-redirect"] = f"{sim.attacker.url}/stolen/output.docx"
        file_url = f"{sim.url}/cache/files/conv-redirect/output.docx"
    monkeypatch.setattr(
        sim, "convert", lambda params: {"endConvert": True, "fileType": "docx", "fileUrl": file_url}
    )
    client.force_login(oo_editor)
    response = _convert(client, legacy_doc)
    assert "Le résultat de la conversion n'a pas pu être récupéré" in _messages(response)[0]
    assert legacy_doc.versions.count() == 1
    assert sim.attacker.hits == 0


def test_conversion_key_follows_content_and_output(onlyoffice_on, legacy_doc, upload, oo_folder):
    """Same content and output -> same key (DS cache); other content or output -> another key; DS charset."""
    v1 = legacy_doc.current_version
    other, _v = upload(oo_folder, "Autre.doc", OLE + b"autre contenu")
    key = conversion.conversion_key(v1, "docx")
    assert key == conversion.conversion_key(v1, "docx")
    assert key != conversion.conversion_key(v1, "pdf")
    assert key != conversion.conversion_key(other.current_version, "docx")
    assert len(key) <= 128 and all(c.isalnum() or c in "-._=" for c in key)


def test_without_onlyoffice_no_buttons_and_404(client, settings, oo_editor, legacy_doc):
    settings.ONLYOFFICE_URL = ""
    client.force_login(oo_editor)
    page = client.get(reverse("ged:document", args=[legacy_doc.pk])).content.decode()
    assert "Convertir au format" not in page and "Télécharger en PDF" not in page
    assert client.post(reverse("ged:convert_ooxml", args=[legacy_doc.pk])).status_code == 404
    assert client.get(reverse("ged:download_pdf", args=[legacy_doc.pk])).status_code == 404
    assert Document.objects.get(pk=legacy_doc.pk).versions.count() == 1


def test_new_document_opens_the_editor_when_onlyoffice_is_on(client, onlyoffice_on, oo_editor, oo_folder):
    client.force_login(oo_editor)
    response = client.post(
        reverse("ged:document_new", args=[oo_folder.pk]), {"source": "pptx", "name": "Réunion"}
    )
    document = Document.objects.get(folder=oo_folder, title="Réunion.pptx")
    assert response.url == reverse("ged:onlyoffice_editor", args=[document.pk])


def test_outsider_and_missing_get_the_same_404(client, onlyoffice_on, make_user, oo_docx, legacy_doc):
    """No existence leak: an agent without access and a missing id get the same 404; the DS is never asked."""
    client.force_login(make_user("olivier.outsider"))
    for name, method, pk in [
        ("ged:download_pdf", "get", oo_docx.pk),
        ("ged:download_pdf_status", "get", oo_docx.pk),
        ("ged:convert_ooxml", "post", legacy_doc.pk),
        ("ged:convert_ooxml_status", "post", legacy_doc.pk),
        ("ged:download_pdf", "get", 999999),
        ("ged:download_pdf_status", "get", 999999),
        ("ged:convert_ooxml", "post", 999999),
        ("ged:convert_ooxml_status", "post", 999999),
    ]:
        assert getattr(client, method)(reverse(name, args=[pk])).status_code == 404
    assert _converter_calls(onlyoffice_on) == []
    assert legacy_doc.versions.count() == 1


@pytest.mark.django_db(transaction=True)
async def test_pdf_download_streams_asynchronously_under_asgi(onlyoffice_on, oo_reader, oo_docx):
    """Under ASGI the PDF is an async iterator read in chunks (no FileResponse iterated synchronously)."""
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    client = AsyncClient()
    await sync_to_async(client.force_login)(oo_reader)
    url = reverse("ged:download_pdf", args=[oo_docx.pk])
    waiting = await client.get(url)
    assert waiting.status_code == 200 and not waiting.streaming
    poll = await client.get(
        reverse("ged:download_pdf_status", args=[oo_docx.pk]), {"calls": 1}, headers={"HX-Request": "true"}
    )
    assert poll.status_code == 204 and poll["HX-Redirect"] == url
    response = await client.get(url)
    assert response.status_code == 200 and response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert body.startswith(b"%PDF-") and response["Content-Length"] == str(len(body))
