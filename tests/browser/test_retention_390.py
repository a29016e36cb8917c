"""The archivist's pages on a phone, 390 × 844 in headless Chromium: the rules page with its folder defaults,
a document's conservation page (provisional record, default-type box) and the due documents; no sideways
scroll, axe-core finds zero violations, and the default type set through the page types the next upload."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, assert_accessible, check_phone_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(host_org, make_user):
    from django.contrib.auth.models import Permission
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ged.actions import document_upload, folder_create, space_create
    from ged.choices import SpacePolicy
    from ged.retention.actions import folder_rule_set
    from ged.retention.demo import seed_rules
    from ged.retention.models import RetentionRule
    from intranet.news.actions import home_page_ensure

    home_page_ensure()
    seed_rules()
    archivist = make_user("armelle.archives", first_name="Armelle", last_name="Archives", employer=host_org)
    archivist.user_permissions.add(
        Permission.objects.get(codename="archivist", content_type__app_label="ged_retention")
    )
    space = space_create(
        name="Commande publique", slug="commande-publique", policy=SpacePolicy.PRIVATE, creator=archivist
    )
    contracts = folder_create(parent=space.root, name="Marchés 2026", actor=archivist)
    folder_rule_set(folder=contracts, rule=RetentionRule.objects.get(code="MARCHE"), actor=archivist)
    document = document_upload(
        folder=contracts,
        uploaded_file_or_path=SimpleUploadedFile("Offre non retenue.pdf", b"%PDF-1.4 offre"),
        author=archivist,
    )[0]
    bills = folder_create(parent=space.root, name="Factures", actor=archivist)
    bill = document_upload(
        folder=bills,
        uploaded_file_or_path=SimpleUploadedFile("Facture 42.pdf", b"%PDF-1.4 facture"),
        author=archivist,
    )[0]
    return {"document": document, "bill": bill, "bills": bills}


def test_archivist_pages_at_390_px(page, login, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ged.actions import document_upload
    from ged.retention.models import DocumentRecord
    from intranet.people.models import User

    page.set_viewport_size(PHONE)
    login("armelle.archives")
    check_phone_page(page, "/archives/regles/", "Règles de gestion")
    expect(page.get_by_role("cell", name="Marchés 2026", exact=True)).to_be_visible()
    check_phone_page(
        page, f"/archives/document/{world['document'].pk}/", "Conservation de « Offre non retenue.pdf »"
    )
    expect(page.get_by_text("la date de l'événement de départ est provisoire")).to_be_visible()
    check_phone_page(page, "/archives/", "Archives et durées de conservation")

    # The bill's folder gets its default type through the page; the next bill there is typed at once.
    check_phone_page(page, f"/archives/document/{world['bill'].pk}/", "Conservation de « Facture 42.pdf »")
    page.get_by_label("Type de document (règle de gestion)").select_option(
        label="FACT — Factures et mandats de paiement"
    )
    page.get_by_label("Date de l'événement de départ").fill("2025-12-31")
    page.get_by_label(
        "Type par défaut des nouveaux documents du dossier « Factures » et de ses sous-dossiers"
    ).check()
    page.get_by_role("button", name="Enregistrer le type").click()
    done = "Les nouveaux documents du dossier « Factures » recevront ce type."
    expect(page.get_by_text(done)).to_be_visible()
    assert_accessible(page)

    next_bill = document_upload(
        folder=world["bills"],
        uploaded_file_or_path=SimpleUploadedFile("Facture 43.pdf", b"%PDF-1.4 facture 43"),
        author=User.objects.get(username="armelle.archives"),
    )[0]
    assert DocumentRecord.objects.get(document=next_bill).rule.code == "FACT"
