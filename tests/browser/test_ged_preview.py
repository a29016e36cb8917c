"""Document preview in headless Chromium (issue 19, part 5): a PDF framed in the browser's own viewer (its
source answers 200 as application/pdf), an image that really loads, a text file shown on the page, and the
clear message for an office file while co-editing (the Document Server) is off — axe on the PDF page."""

import base64
import io

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def documents(host_org, make_user, settings, tmp_path):
    from ged.actions import document_upload, space_create
    from ged.samples import docx_bytes

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.ONLYOFFICE_URL = ""  # co-editing off: no conversion of office files
    me = make_user("anais.decool", first_name="Anaïs", last_name="Decool", employer=host_org)
    space = space_create(name="Ressources humaines", slug="rh", creator=me)
    made = {}
    for name, data in (
        ("Compte rendu.pdf", PDF_BYTES),
        ("Plan.png", PNG_BYTES),
        ("Note.txt", "Réunion du comité <mardi> à 14 h".encode()),
        ("Lettre.docx", docx_bytes(["Lettre d'information"])),
    ):
        upload = io.BytesIO(data)
        upload.name = name
        made[name], _version = document_upload(folder=space.root, uploaded_file_or_path=upload, author=me)
    return made


def _open(page, document):
    page.goto(f"/documents/document/{document.pk}/")
    expect(page.get_by_role("heading", name="Aperçu")).to_be_visible()


def test_pdf_image_text_and_office_previews(page, login, documents):
    login("anais.decool")
    # Chromium's own PDF viewer is a built-in extension: its resources are the browser's, not the network's.
    viewer = []

    def builtin(route):
        viewer.append(route.request.url)
        route.continue_()

    page.context.route(lambda url: url.startswith(("chrome-extension://", "chrome://")), builtin)

    # PDF: an iframe whose source the browser loads (lazy: once scrolled to) as an inline PDF.
    with page.expect_response(lambda r: "/apercu/" in r.url) as answer:
        _open(page, documents["Compte rendu.pdf"])
        frame = page.locator("iframe.ged-doc-preview-frame")
        frame.scroll_into_view_if_needed()
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert frame.get_attribute("title") == "Aperçu de « Compte rendu.pdf »"
    assert frame.get_attribute("src") in response.url
    for _ in range(100):  # the viewer starts once the PDF arrived: up to 5 s
        if viewer:
            break
        page.wait_for_timeout(50)
    assert any(url.startswith("chrome-extension://") for url in viewer), "the PDF did not open in the viewer"
    assert_accessible(page)

    # Image: loaded and decoded by the browser (natural width 1 px).
    _open(page, documents["Plan.png"])
    image = page.get_by_role("img", name="Aperçu de l'image « Plan.png »")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 1", arg=image.element_handle())

    # Text: on the page itself, escaped.
    _open(page, documents["Note.txt"])
    expect(page.locator("pre.ged-doc-preview-text")).to_have_text("Réunion du comité <mardi> à 14 h")

    # Office file, co-editing off: a clear message, no frame.
    _open(page, documents["Lettre.docx"])
    expect(page.get_by_text("Aperçu indisponible pour ce type de fichier")).to_be_visible()
    assert page.locator("iframe.ged-doc-preview-frame").count() == 0
