"""New office document journey (OnlyOffice off): the folder page's « Nouveau document », the form with the
space's « Modèles », a refused name, then the created document — with an axe check on every page."""

import io

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(host_org, make_user, settings, tmp_path):
    from ged.actions import document_upload, folder_create, space_create
    from ged.office_templates import blank_bytes

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.ONLYOFFICE_URL = ""
    me = make_user("anais.decool", first_name="Anaïs", last_name="Decool", employer=host_org)
    space = space_create(name="Ressources humaines", slug="rh", creator=me)
    folder = folder_create(parent=space.root, name="Procédures", actor=me)
    models = folder_create(parent=space.root, name="Modèles", actor=me)
    model = io.BytesIO(blank_bytes("docx"))
    model.name = "Courrier officiel.docx"
    document_upload(folder=models, uploaded_file_or_path=model, author=me)
    return {"me": me, "space": space, "folder": folder}


def test_new_document_from_the_folder_page(page, login, setup):
    login("anais.decool")
    page.goto(f"/documents/dossier/{setup['folder'].pk}/")
    page.get_by_role("link", name="Nouveau classeur").click()
    expect(page.get_by_role("heading", name="Nouveau document dans « Procédures »")).to_be_visible()
    expect(page.get_by_role("radio", name="Nouveau classeur")).to_be_checked()
    expect(page.get_by_role("radio", name="Courrier officiel.docx")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_text("Donnez un nom au nouveau document.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("radio", name="Courrier officiel.docx").check()
    page.get_by_label("Nom du document").fill("Courrier au maire")
    page.get_by_role("button", name="Créer").click()
    expect(page.get_by_role("heading", name="Courrier au maire.docx")).to_be_visible()
    expect(page.get_by_text("Le document « Courrier au maire.docx » est créé.")).to_be_visible()
    assert_accessible(page)
