"""The GED trash (the space's and a restricted folder's) and the search pages (global /recherche/ and the
search inside a space) on a phone, 390 × 844 in headless Chromium: no sideways scroll with long names, and
axe-core finds zero violations."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, assert_accessible, assert_no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "Compte-rendu-du-conseil-communautaire-du-12-decembre-2026-version-definitive-relue-par-le-juridique"


@pytest.fixture
def world(host_org, make_user, settings, tmp_path):
    from ged.actions import document_trash, document_upload, folder_create, space_create
    from tests.ged.conftest import Named

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    me = make_user("anais.decool", first_name="Anaïs", last_name="Decool-Vandenbussche", employer=host_org)
    space = space_create(name="Ressources humaines et relations sociales", slug="rh", creator=me)
    folder = folder_create(parent=space.root, name=f"Procédures {LONG[:60]}", actor=me)
    for n in range(3):
        document_upload(
            folder=folder,
            uploaded_file_or_path=Named(f"Conseil communautaire {n}".encode(), f"{LONG}-{n}.txt"),
            author=me,
        )
    gone, _v = document_upload(
        folder=folder, uploaded_file_or_path=Named(b"Conseil communautaire annexe", f"{LONG}.txt"), author=me
    )
    document_trash(document=gone, actor=me)
    return {"me": me, "space": space, "folder": folder}


def test_trash_pages_at_390_px(page, login, world):
    page.set_viewport_size(PHONE)
    login("anais.decool")
    page.goto("/documents/espace/rh/corbeille/")
    expect(page.get_by_role("heading", name="Corbeille")).to_be_visible()
    expect(page.get_by_text(f"{LONG}.txt").first).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    page.goto(f"/documents/dossier/{world['folder'].pk}/corbeille/")
    expect(page.get_by_text(f"{LONG}.txt").first).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_search_pages_at_390_px(page, login, world):
    page.set_viewport_size(PHONE)
    login("anais.decool")
    page.goto("/recherche/?q=Compte-rendu-du-conseil")
    expect(page.get_by_role("link", name=f"{LONG}-0.txt").first).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    page.goto("/documents/espace/rh/recherche/?q=Compte-rendu-du-conseil")
    expect(page.get_by_role("link", name=f"{LONG}-0.txt").first).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    # Nothing found is a page too.
    page.goto("/documents/espace/rh/recherche/?q=introuvable-zzz")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
