"""GED journey in headless Chromium: drag-and-drop upload into a space, the document page, a new version,
restore, trash and restore, share a folder with a department, read « Qui a accès, et pourquoi ? » — with an
axe check on every GED page visited."""

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(host_org, make_user, settings, tmp_path):
    from ged.actions import folder_create, space_create
    from intranet.people.actions import department_create

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    finances = department_create(name="Finances", organisation=host_org)
    me = make_user("anais.decool", first_name="Anaïs", last_name="Decool", employer=host_org)
    colleague = make_user(
        "paul.dewitte", first_name="Paul", last_name="Dewitte", department=finances, employer=host_org
    )
    colleague.groups.add(finances.group)
    space = space_create(name="Ressources humaines", slug="rh", creator=me)
    folder = folder_create(parent=space.root, name="Procédures", actor=me)
    return {"me": me, "space": space, "folder": folder, "finances": finances}


def test_upload_version_restore_trash_share(page, login, setup, tmp_path):
    first = tmp_path / "Procédure d'accueil.txt"
    first.write_text("Accueil des nouveaux agents, version 1", encoding="utf-8")
    login("anais.decool")

    page.goto("/documents/")
    expect(page.get_by_role("heading", name="Mes espaces documentaires")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ressources humaines").click()
    expect(page.get_by_role("heading", name="Ressources humaines", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Procédures").click()
    assert_accessible(page)
    # The drop zone's file input: « Déposer » sends each file through a resumable session, then reloads.
    page.set_input_files("[data-ged-upload] input[type=file]", str(first))
    with page.expect_response(lambda r: r.url.endswith("/finish") and r.status == 201):
        page.locator("[data-ged-upload] button[type=submit]").click()
    expect(page.get_by_role("link", name="Procédure d'accueil.txt")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Procédure d'accueil.txt").click()
    expect(page.get_by_role("heading", name="Procédure d'accueil.txt")).to_be_visible()
    assert_accessible(page)

    second = tmp_path / "v2.txt"
    second.write_text("Accueil des nouveaux agents, version 2 corrigée", encoding="utf-8")
    page.get_by_label("Fichier").set_input_files(str(second))
    page.get_by_label("Commentaire").fill("Ajout de la visite des sites")
    page.get_by_role("button", name="Envoyer la nouvelle version").click()
    expect(page.get_by_text("La version 2 est enregistrée.")).to_be_visible()
    expect(page.get_by_role("cell", name="Ajout de la visite des sites")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Restaurer la version 1").click()
    expect(page.get_by_text("La version 1 est restaurée comme version 3.")).to_be_visible()

    page.get_by_role("button", name="Mettre à la corbeille").click()
    expect(page.get_by_text("est dans la corbeille")).to_be_visible()
    page.get_by_role("link", name="Corbeille").click()
    expect(page.get_by_role("heading", name="Corbeille")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Restaurer « Procédure d'accueil.txt »").click()
    expect(page.get_by_text("est restauré dans « Procédures »")).to_be_visible()

    page.get_by_role("link", name="Qui a accès, et pourquoi ?").click()
    expect(page.get_by_role("heading", name="Qui a accès, et pourquoi ?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Procédures").click()
    page.get_by_role("link", name="Qui a accès, et pourquoi ?").click()
    page.get_by_label("Ou un service").select_option(label="Finances")
    expect(page.locator("#ged-preview")).to_contain_text(
        "1 personne gagnera l'accès (Paul Dewitte)", timeout=10000
    )
    page.get_by_role("button", name="Enregistrer l'accès").click()
    expect(page.get_by_text("L'accès est enregistré.")).to_be_visible()
    expect(page.get_by_role("cell", name="Paul Dewitte")).to_be_visible()
    assert_accessible(page)


def test_folder_and_document_pages_at_390_px(page, login, setup):
    """On a phone (390 × 844): the folder listing and the versions become labelled cards, long names wrap, no
    sideways scroll, axe clean; the type is in words."""
    from ged.actions import document_upload, version_create
    from ged.office_templates import blank_bytes
    from tests.ged.conftest import Named

    me, folder = setup["me"], setup["folder"]
    long_name = "Compte-rendu-du-conseil-communautaire-du-12-decembre-2026-version-definitive-relue.docx"
    document, _v = document_upload(
        folder=folder, uploaded_file_or_path=Named(blank_bytes("docx"), long_name), author=me
    )
    for n in range(2, 4):
        version_create(
            document=document,
            uploaded_file_or_path=Named(blank_bytes("docx"), long_name),
            author=me,
            comment=f"Relecture numéro {n} par le service juridique, avec les annexes budgétaires",
        )
    document_upload(
        folder=folder, uploaded_file_or_path=Named(b"Ordre du jour", "Ordre du jour.txt"), author=me
    )

    page.set_viewport_size({"width": 390, "height": 844})
    login("anais.decool")
    page.goto(f"/documents/dossier/{folder.pk}/")
    expect(page.get_by_role("link", name=long_name)).to_be_visible()
    assert_no_sideways_scroll(page)
    type_cell = page.get_by_role("cell", name="Document Word")
    expect(type_cell).to_be_visible()
    # Each stacked cell says what it is (CSS data-label + ::before).
    assert type_cell.evaluate("c => getComputedStyle(c, '::before').content") == '"Type : "'
    assert_accessible(page)

    page.get_by_role("link", name=long_name).click()
    expect(page.get_by_role("heading", name=long_name)).to_be_visible()
    expect(page.get_by_text("Document Word", exact=True)).to_be_visible()
    assert_no_sideways_scroll(page)
    comment = page.get_by_role(
        "cell", name="Relecture numéro 3 par le service juridique, avec les annexes budgétaires"
    )
    assert comment.evaluate("c => getComputedStyle(c, '::before').content") == '"Commentaire : "'
    assert_accessible(page)

    page.get_by_role("link", name="Qui a accès, et pourquoi ?").first.click()
    expect(page.get_by_role("heading", name="Qui a accès, et pourquoi ?")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_share_preview_when_the_choice_comes_before_htmx(page, login, setup):
    """The cause of the « Qui a accès » preview failing under load, made certain: htmx is a deferred script,
    so on a slow page the department can be chosen before htmx listens, and that `change` was lost. Here the
    script is held back until the choice is made; the preview must still come."""
    folder = setup["folder"]
    login("anais.decool")
    held = []
    page.route("**/htmx-2*.js", lambda route: held.append(route))  # answered once the choice is made
    page.goto(f"/documents/dossier/{folder.pk}/acces/", wait_until="commit")
    page.get_by_label("Ou un service").select_option(label="Finances")
    assert held, "the page should be waiting for htmx"
    assert page.locator("#ged-preview").inner_text() == ""
    held[0].continue_()
    expect(page.locator("#ged-preview")).to_contain_text("1 personne gagnera l'accès (Paul Dewitte)")
    assert_accessible(page)
