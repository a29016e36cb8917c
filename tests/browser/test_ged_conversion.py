"""Conversions in headless Chromium against the Document Server simulator: the page shows the DS's progress
and polls (htmx) a status view, nothing waits inside a request; the PDF then downloads by itself and the
OOXML conversion lands on the document page — with an axe check on the waiting page."""

import io

import pytest
from playwright.sync_api import expect

from tests.ged.onlyoffice.simulator import DocumentServerSimulator

from .conftest import assert_accessible

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016  # what a legacy .doc starts with


@pytest.fixture(scope="module")
def simulator():
    sim = DocumentServerSimulator()
    yield sim
    sim.stop()


@pytest.fixture
def setup(host_org, make_user, settings, tmp_path, server_url, simulator, monkeypatch):
    from ged.actions import document_upload, space_create
    from ged.samples import docx_bytes

    simulator.reset()
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.ONLYOFFICE_URL = simulator.url
    settings.ONLYOFFICE_INTERNAL_URL = ""
    settings.ONLYOFFICE_JWT_SECRET = simulator.secret
    settings.ONLYOFFICE_JWT_HEADER = simulator.header
    settings.ONLYOFFICE_APP_URL = server_url
    settings.ONLYOFFICE_CONVERSION_INTERVAL = 0.3
    manager = make_user("gaelle.gestion", first_name="Gaëlle", last_name="Gestion", employer=host_org)
    space = space_create(name="Communication", slug="com", creator=manager)
    documents = {}
    for name, data in (("Lettre.docx", docx_bytes(["Lettre d'information"])), ("Ancien.doc", OLE + b"x")):
        upload = io.BytesIO(data)
        upload.name = name
        documents[name], _version = document_upload(
            folder=space.root, uploaded_file_or_path=upload, author=manager
        )
    # The DS answers "still converting" (30 %) until the test lets it finish.
    gate = {"open": False}
    real_convert = simulator.convert

    def convert(params):
        if not gate["open"]:
            return {"endConvert": False, "percent": 30}
        return real_convert(params)

    monkeypatch.setattr(simulator, "convert", convert)
    return {"documents": documents, "gate": gate}


def test_pdf_and_ooxml_conversions_poll_then_finish(page, login, setup):
    login("gaelle.gestion")
    letter = setup["documents"]["Lettre.docx"]
    page.goto(f"/documents/document/{letter.pk}/")
    page.get_by_role("link", name="Télécharger en PDF").click()
    expect(page.get_by_role("heading", name="Conversion de « Lettre.docx »")).to_be_visible()
    expect(page.get_by_text("Le serveur de documents prépare le PDF")).to_be_visible()
    expect(page.locator("#ged-conversion progress")).to_have_attribute("value", "30")
    assert_accessible(page)
    with page.expect_download(timeout=20000) as download:
        setup["gate"]["open"] = True
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert download.value.suggested_filename == "Lettre.pdf"

    setup["gate"]["open"] = False
    legacy = setup["documents"]["Ancien.doc"]
    page.goto(f"/documents/document/{legacy.pk}/")
    page.get_by_role("button", name="Convertir au format DOCX").click()
    expect(page.get_by_text("Le serveur de documents convertit le fichier")).to_be_visible()
    assert_accessible(page)
    setup["gate"]["open"] = True
    expect(page.get_by_role("heading", name="Ancien.docx", level=1)).to_be_visible(timeout=20000)
    expect(page.get_by_text("Le document est converti au format DOCX (version 2).")).to_be_visible()
    assert_accessible(page)
