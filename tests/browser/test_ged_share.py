"""Sharing one document in headless Chromium at 390 px: the editor finds a colleague by name (htmx search),
shares, sees the share listed; the colleague finds it under « Partagés avec moi » and opens it without
seeing its folder — axe on every page, no horizontal scroll."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(host_org, make_user, settings, tmp_path, django_capture_on_commit_callbacks):
    import io

    from ged.actions import document_upload, folder_create, folder_restrict, space_create
    from intranet.people.actions import department_create

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    finances = department_create(name="Finances", organisation=host_org)
    me = make_user("anais.decool", first_name="Anaïs", last_name="Decool", employer=host_org)
    make_user("paul.dewitte", first_name="Paul", last_name="Dewitte", department=finances, employer=host_org)
    make_user("pauline.ancienne", first_name="Pauline", last_name="Dewaele", is_active=False)
    space = space_create(name="Ressources humaines", slug="rh", creator=me)
    folder = folder_create(parent=space.root, name="Dossiers individuels", actor=me)
    folder_restrict(folder=folder, restricted=True, actor=me)
    data = io.BytesIO(b"Contrat de travail")
    data.name = "Contrat Dewitte.txt"
    doc, _v = document_upload(folder=folder, uploaded_file_or_path=data, author=me)
    return {"doc": doc}


def test_share_a_document_by_name_and_find_it_shared(page, login, setup):
    page.set_viewport_size({"width": 390, "height": 844})
    login("anais.decool")
    page.goto(f"/documents/document/{setup['doc'].pk}/")
    page.get_by_role("link", name="Partager", exact=True).click()
    expect(page.get_by_role("heading", name="Partager ce document")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.get_by_label("Un agent : son nom ou son service").fill("dewi")
    expect(page.get_by_label("Paul Dewitte")).to_be_visible(timeout=10000)
    expect(page.get_by_text("Pauline")).to_have_count(0)  # inactive accounts are never offered
    page.get_by_label("Paul Dewitte").check()
    page.get_by_label("Rôle").select_option(label="lecteur")
    assert_accessible(page)
    page.get_by_role("button", name="Partager", exact=True).click()
    expect(page.get_by_text("Le document est partagé.")).to_be_visible()
    shares = page.get_by_role("table", name="Agents et services avec qui ce document est partagé")
    expect(shares.get_by_role("cell", name="Paul Dewitte")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)

    page.context.clear_cookies()
    login("paul.dewitte")
    page.goto("/documents/")
    expect(page.get_by_role("heading", name="Partagés avec moi")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    page.get_by_role("link", name="Contrat Dewitte.txt").click()
    expect(page.get_by_role("heading", name="Contrat Dewitte.txt")).to_be_visible()
    expect(page.get_by_text("Partagé avec vous")).to_be_visible()
    expect(page.get_by_text("Dossiers individuels")).to_have_count(0)
    assert_accessible(page)
    assert_no_sideways_scroll(page)
