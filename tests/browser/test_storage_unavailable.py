"""Storage down (Bad input, issue 15): the French 503 page an agent meets is accessible (axe-core, zero
violations) and fits a phone (390 px, no sideways scroll), with its message and a way back."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def document(host_org, make_user, settings, tmp_path):
    from ged.actions import document_upload, space_create
    from tests.ged.conftest import Named

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    me = make_user("anais.decool", first_name="Anaïs", last_name="Decool", employer=host_org)
    space = space_create(name="Ressources humaines", slug="rh", creator=me)
    doc, _version = document_upload(
        folder=space.root, uploaded_file_or_path=Named(b"Ordre du jour", "Ordre du jour.txt"), author=me
    )
    return doc


@pytest.fixture
def storage_down(monkeypatch):
    """The object store stops answering: the download's first storage call raises StorageUnavailable (the
    server runs in a thread of this process, so it sees the patch)."""
    from ged import storage
    from intranet.ops.errors import StorageUnavailable

    def refuse(*args, **kwargs):
        raise StorageUnavailable("connection refused")

    monkeypatch.setattr(storage, "blob_presigned_url", refuse)


@pytest.mark.parametrize("width", [1280, 390])
def test_storage_down_page_is_accessible_and_fits_a_phone(page, login, document, storage_down, width):
    page.set_viewport_size({"width": width, "height": 844})
    login("anais.decool")
    response = page.goto(f"/documents/document/{document.pk}/telecharger/")
    assert response.status == 503 and response.headers["retry-after"] == "60"
    assert page.title().startswith("Service momentanément indisponible")
    expect(page.get_by_role("heading", level=1, name="Service momentanément indisponible")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "Le stockage des fichiers ne répond pas pour le moment. Rien n'a été enregistré"
    )
    assert page.locator("html").get_attribute("lang") == "fr"
    width_now = page.evaluate("document.documentElement.scrollWidth")
    assert width_now <= width, f"the page is {width_now} px wide at {width} px: it scrolls sideways"
    assert_accessible(page)
