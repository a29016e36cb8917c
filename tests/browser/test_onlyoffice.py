"""The editor page in headless Chromium: it loads the Document Server simulator's api.js with a correctly
signed config, the simulator opens the document (fetching document.url with its JWT), zero axe violations."""

import io

import pytest
from playwright.sync_api import expect

from tests.ged.onlyoffice.simulator import DocumentServerSimulator

from .conftest import assert_accessible

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture(scope="module")
def simulator():
    sim = DocumentServerSimulator()
    yield sim
    sim.stop()


@pytest.fixture
def setup(host_org, make_user, settings, tmp_path, server_url, simulator):
    from ged.actions import document_upload, grant_set, space_create
    from ged.choices import Role
    from ged.samples import docx_bytes

    simulator.reset()
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.ONLYOFFICE_URL = simulator.url
    settings.ONLYOFFICE_INTERNAL_URL = ""
    settings.ONLYOFFICE_JWT_SECRET = simulator.secret
    settings.ONLYOFFICE_JWT_HEADER = simulator.header
    settings.ONLYOFFICE_APP_URL = server_url
    manager = make_user("gaelle.gestion", first_name="Gaëlle", last_name="Gestion", employer=host_org)
    editor = make_user("eva.editrice", first_name="Éva", last_name="Éditrice", employer=host_org)
    space = space_create(name="Communication", slug="com", creator=manager)
    grant_set(folder=space.root, role=Role.EDITOR, user=editor, actor=manager, notify_grantee=False)
    data = io.BytesIO(docx_bytes(["Lettre d'information", "Premier jet"]))
    data.name = "Lettre.docx"
    document, _version = document_upload(folder=space.root, uploaded_file_or_path=data, author=manager)
    return {"editor": editor, "document": document}


def test_editor_page_opens_the_document_in_the_simulator(page, login, setup, simulator):
    login("eva.editrice")
    page.goto(f"/documents/document/{setup['document'].pk}/")
    page.get_by_role("link", name="Modifier en ligne").click()
    expect(page.get_by_role("heading", name="Lettre.docx", level=1)).to_be_visible()
    region = page.locator("[data-docsapi-simulator]")
    expect(region).to_have_attribute("data-sim-status", "open", timeout=15000)

    configs = page.evaluate("window.__docsapi_configs")
    assert len(configs) == 1
    config = configs[0]
    assert config["editorConfig"]["mode"] == "edit"
    assert config["editorConfig"]["customization"]["forcesave"] is True
    assert config["editorConfig"]["lang"] == "fr"
    assert config["token"]
    results = page.evaluate("window.__docsapi_results")
    assert results[0]["ok"], results
    # The simulator checked the signature, fetched document.url with its JWT and got the file.
    opens = [r for r in simulator.requests if r.get("direction") == "out" and r["method"] == "GET"]
    assert opens and opens[0]["url"] == config["document"]["url"]
    assert simulator.callbacks and simulator.callbacks[0].ok  # status 1 answered {"error": 0}
    assert_accessible(page)
