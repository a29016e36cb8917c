"""The parapheur on a phone, 390 × 844 in headless Chromium: « À viser / à signer », a circuit with its
decision forms and its long SHA-256, « Mes dossiers en circuit », the late list, delegations, the submission
page and the document page's circuit section: no sideways scroll, axe-core finds zero violations, and a
visa given through the page is recorded."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, assert_accessible, assert_no_sideways_scroll

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "Deliberation-du-conseil-communautaire-du-12-decembre-2026-budget-primitif-version-definitive"


@pytest.fixture
def world(host_org, make_user, settings, tmp_path):
    from ged.actions import document_upload, grant_set, space_create
    from ged.choices import Role
    from ged.circuits.actions import circuit_submit, desk_create, template_create
    from ged.circuits.choices import StepKind, StepMode
    from tests.ged.conftest import Named

    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    submitter = make_user(
        "anais.decool", first_name="Anaïs", last_name="Decool-Vandenbussche", employer=host_org
    )
    visa = make_user("olivier.vanhove", first_name="Olivier", last_name="Vanhove", employer=host_org)
    dgs = make_user("jerome.vdb", first_name="Jérôme", last_name="Vandenbroucke", employer=host_org)
    space = space_create(name="Assemblées", slug="assemblees", creator=submitter)
    for user in (visa, dgs):
        grant_set(folder=space.root, role=Role.READER, user=user, actor=submitter, notify_grantee=False)
    document, version = document_upload(
        folder=space.root,
        uploaded_file_or_path=Named(b"Budget primitif 2027", f"{LONG}.txt"),
        author=submitter,
    )
    finances = desk_create(name="Direction des finances et de la commande publique", members=[visa])
    direction = desk_create(name="DGS", members=[dgs])
    template = template_create(
        name="Délibération du conseil communautaire",
        steps=[
            {"desk": finances, "kind": StepKind.VISA, "mode": StepMode.ONE, "deadline_days": 3},
            {"desk": direction, "kind": StepKind.SIGNATURE, "mode": StepMode.ONE, "deadline_days": 5},
        ],
    )
    circuit = circuit_submit(document=document, version=version, template=template, submitter=submitter)
    return {"circuit": circuit, "document": document}


def _check(page, path, heading=None):
    page.goto(path)
    if heading:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_parapheur_pages_at_390_px(page, login, world):
    from ged.circuits.models import StepAction

    page.set_viewport_size(PHONE)
    circuit = world["circuit"]
    login("olivier.vanhove")
    _check(page, "/parapheur/", "À viser / à signer")
    expect(page.get_by_role("link", name=f"{LONG}.txt")).to_be_visible()
    _check(page, f"/parapheur/circuit/{circuit.pk}/", f"{LONG}.txt")
    page.get_by_label("Commentaire, ou motif du rejet").fill("Vu, crédits disponibles.")
    page.get_by_role("button", name="Viser").click()
    expect(page.get_by_text("Votre décision est enregistrée.")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    assert StepAction.objects.filter(circuit=circuit, decision="approve").count() == 1
    _check(page, "/parapheur/en-retard/", "Dossiers en retard")
    _check(page, "/parapheur/delegations/", "Délégations")


def test_submitter_pages_at_390_px(page, login, world):
    page.set_viewport_size(PHONE)
    login("anais.decool")
    _check(page, "/parapheur/mes-dossiers/", "Mes dossiers en circuit")
    _check(page, f"/documents/document/{world['document'].pk}/")
    expect(page.get_by_role("heading", name="Circuit de visa et de signature")).to_be_visible()
    _check(page, f"/parapheur/soumettre/{world['document'].pk}/")
