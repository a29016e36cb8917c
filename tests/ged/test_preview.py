"""Document preview (issue 19, part 5): PDF framed from an inline route, images, escaped and capped text, a
French message otherwise; the preview route is a side door, so it answers exactly like the download."""

import base64

import pytest
from django.urls import reverse

from ged import preview as previews
from ged.actions import document_trash, folder_restrict, version_create
from ged.choices import Role

from .conftest import Named

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def reader(make_user, grant, space):
    user = make_user("rachel.lectrice")
    grant(space.root, Role.READER, user=user)
    return user


def _page(client, document):
    response = client.get(reverse("ged:document", args=[document.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _preview_url(document):
    return reverse("ged:preview_version", args=[document.current_version_id])


def test_pdf_is_framed_from_an_inline_route_that_only_our_pages_may_frame(client, space, upload, reader):
    document, _v = upload(space.root, "Compte rendu.pdf", PDF_BYTES)
    client.force_login(reader)
    html = _page(client, document)
    assert f'<iframe class="ged-doc-preview-frame" src="{_preview_url(document)}"' in html
    response = client.get(_preview_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert b"".join(response.streaming_content) == PDF_BYTES
    # The download keeps its own policy: an attachment nobody may frame.
    download = client.get(reverse("ged:download", args=[document.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert "frame-ancestors 'none'" in download["Content-Security-Policy"]


def test_image_is_shown_inline_under_a_sandbox(client, space, upload, reader):
    document, _v = upload(space.root, "Plan.png", PNG_BYTES)
    client.force_login(reader)
    html = _page(client, document)
    assert f'<img class="ged-doc-preview-image" src="{_preview_url(document)}"' in html
    response = client.get(_preview_url(document))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"].startswith("sandbox;")


def test_text_is_shown_escaped_and_capped(client, space, upload, reader):
    small, _v = upload(space.root, "note.txt", "Réunion <script>alert(1)</script>".encode())
    big, _v = upload(space.root, "journal.txt", b"a" * (previews.TEXT_MAX_BYTES + 10))
    client.force_login(reader)
    html = _page(client, small)
    assert "Réunion &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "Seul le début du fichier" not in html
    html = _page(client, big)
    assert "Seul le début du fichier est affiché" in html
    assert "a" * previews.TEXT_MAX_BYTES in html and "a" * (previews.TEXT_MAX_BYTES + 1) not in html
    # Text needs no route of its own: the page shows it.
    assert client.get(_preview_url(small)).status_code == 404


def test_other_types_get_a_french_message(client, space, upload, reader, settings):
    settings.ONLYOFFICE_URL = ""
    archive, _v = upload(space.root, "Archives.zip", b"PK\x05\x06" + b"\0" * 18)
    client.force_login(reader)
    html = _page(client, archive)
    assert "Aperçu indisponible pour ce type de fichier" in html
    assert client.get(_preview_url(archive)).status_code == 404


def test_office_file_without_the_document_server_gets_the_message(client, space, upload, reader, settings):
    from ged.samples import docx_bytes

    settings.ONLYOFFICE_URL = ""
    document, _v = upload(space.root, "Rapport.docx", docx_bytes("Rapport"))
    client.force_login(reader)
    assert "Aperçu indisponible pour ce type de fichier" in _page(client, document)
    assert client.get(_preview_url(document)).status_code == 404


def test_restricted_document_preview_answers_404_like_download(
    client, space, subfolder, upload, manager, reader
):
    """A reader of the space root does not see inside a restricted folder: preview and download both 404,
    the same as a version that does not exist; the same reader previews an open document (control)."""
    individuals = subfolder(space.root, "Dossiers individuels")
    folder_restrict(folder=individuals, restricted=True, actor=manager)
    secret, _v = upload(individuals, "sanction.pdf", PDF_BYTES)
    public, _v = upload(space.root, "organigramme.pdf", PDF_BYTES)
    client.force_login(reader)
    missing = client.get(reverse("ged:preview_version", args=[999_999]))
    assert missing.status_code == 404
    assert client.get(reverse("ged:download_version", args=[secret.current_version_id])).status_code == 404
    forbidden = client.get(_preview_url(secret))
    assert forbidden.status_code == 404
    assert forbidden["Content-Type"] == missing["Content-Type"]
    assert client.get(_preview_url(public)).status_code == 200  # control


def test_outsider_and_anonymous_get_404_or_login(client, space, upload, make_user):
    document, _v = upload(space.root, "Budget.pdf", PDF_BYTES)
    client.force_login(make_user("olivier.dehors"))
    assert client.get(_preview_url(document)).status_code == 404
    client.logout()
    response = client.get(_preview_url(document))
    assert response.status_code in (302, 404)
    assert (
        response.status_code == 404 or "/connexion" in response["Location"] or "login" in response["Location"]
    )


def test_trashed_document_preview_answers_404_like_download(client, space, upload, manager, reader):
    document, _v = upload(space.root, "Ancien.pdf", PDF_BYTES)
    version_id = document.current_version_id
    client.force_login(reader)
    assert client.get(reverse("ged:preview_version", args=[version_id])).status_code == 200  # control
    document_trash(document=document, actor=manager)
    assert client.get(reverse("ged:download_version", args=[version_id])).status_code == 404
    assert client.get(reverse("ged:preview_version", args=[version_id])).status_code == 404
    # Even the manager, who may restore it, previews it only once it is back (same as download).
    client.force_login(manager)
    assert client.get(reverse("ged:preview_version", args=[version_id])).status_code == 404


def test_an_earlier_version_is_previewed_like_it_is_downloaded(client, space, upload, manager, reader):
    document, first = upload(space.root, "Note.pdf", PDF_BYTES)
    version_create(
        document=document,
        uploaded_file_or_path=Named(PDF_BYTES + b"% v2\n", "Note.pdf"),
        author=manager,
        base_version=1,
    )
    client.force_login(reader)
    response = client.get(reverse("ged:preview_version", args=[first.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_preview_is_audited(client, space, upload, reader):
    from intranet.audit.models import AccessEvent

    document, _v = upload(space.root, "Audit.pdf", PDF_BYTES)
    client.force_login(reader)
    client.get(_preview_url(document))
    assert AccessEvent.objects.filter(action="ged.preview", object_id=str(document.pk)).count() == 1


def test_preview_adds_no_query_to_the_document_page(client, space, upload, reader, settings):
    """The version came with the document: a text excerpt or a framed preview costs the page no query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.ONLYOFFICE_URL = ""
    counts = {}
    client.force_login(reader)
    for name, data in (("a.zip", b"PK\x05\x06" + b"\0" * 18), ("b.txt", b"texte"), ("c.pdf", PDF_BYTES)):
        document, _v = upload(space.root, name, data)
        _page(client, document)  # warm the per-process caches (content types, site)
        with CaptureQueriesContext(connection) as ctx:
            _page(client, document)
        counts[name] = len(ctx.captured_queries)
    assert counts["b.txt"] == counts["a.zip"] == counts["c.pdf"]
