"""A folder's default type: every new document at or below it gets the rule and a due date at its first
version; the nearest folder wins; events not known at creation make a provisional record, never proposed for
destruction until someone gives the real date; only the archivist or a space manager sets or removes it."""

import datetime

from django.utils import timezone

from ged.retention.actions import destroyable_records, folder_rule_set, record_set
from ged.retention.models import DocumentRecord, FolderRule

from .conftest import client_for


def test_new_documents_get_the_nearest_folders_type(space, subfolder, upload, rules, people):
    bills = subfolder(space.root, "Factures")
    y2026 = subfolder(bills, "2026")
    letters = subfolder(y2026, "Courriers")
    folder_rule_set(folder=bills, rule=rules["FACT"], actor=people["archivist"])
    folder_rule_set(folder=letters, rule=rules["CORR"], actor=people["archivist"])

    bill, _v = upload(y2026, "Facture 12.pdf", b"%PDF-1.4 facture")
    letter, _v = upload(letters, "Lettre.pdf", b"%PDF-1.4 lettre")
    elsewhere, _v = upload(space.root, "Note.txt", b"note")

    today = timezone.localdate()
    record = DocumentRecord.objects.get(document=bill)
    assert record.rule == rules["FACT"] and not record.provisional
    # A fiscal-year rule runs from the 31 December of the year the bill was filed.
    assert record.event_date == datetime.date(today.year, 12, 31)
    assert record.due_date == datetime.date(today.year + 10, 12, 31)
    record = DocumentRecord.objects.get(document=letter)
    assert (record.rule, record.event_date, record.provisional) == (rules["CORR"], today, False)
    assert not DocumentRecord.objects.filter(document=elsewhere).exists()

    # A new version changes nothing; removing the default leaves the typed documents as they are.
    upload(y2026, "Facture 12.pdf", b"%PDF-1.4 facture v2")
    folder_rule_set(folder=bills, rule=None, actor=people["archivist"])
    assert DocumentRecord.objects.filter(document=bill, rule=rules["FACT"]).exists()
    other, _v = upload(y2026, "Facture 13.pdf", b"%PDF-1.4 facture 13")
    assert not DocumentRecord.objects.filter(document=other).exists()


def test_an_event_unknown_at_creation_is_provisional_and_never_destroyed(
    space, subfolder, upload, rules, people
):
    contracts = subfolder(space.root, "Marchés")
    folder_rule_set(folder=contracts, rule=rules["MARCHE"], actor=people["archivist"])
    offer, _v = upload(contracts, "Offre non retenue.pdf", b"%PDF-1.4 offre")
    record = DocumentRecord.objects.get(document=offer)
    assert record.provisional and record.event_date == timezone.localdate()

    # Even past its (provisional) due date, it is not proposed.
    DocumentRecord.objects.filter(pk=record.pk).update(
        event_date=datetime.date(2001, 1, 1), due_date=datetime.date(2006, 1, 1)
    )
    assert offer.pk not in {r.document_id for r in destroyable_records()}
    # The real date given by hand makes it a normal record.
    record_set(
        document=offer, rule=rules["MARCHE"], event_date=datetime.date(2010, 6, 30), actor=people["editor"]
    )
    assert not DocumentRecord.objects.get(document=offer).provisional
    assert offer.pk in {r.document_id for r in destroyable_records()}


def test_web_default_by_archivist_or_manager_only(client, space, subfolder, upload, rules, people, manager):
    bills = subfolder(space.root, "Factures")
    bill, _v = upload(bills, "Facture 1.pdf", b"%PDF-1.4 f1")
    form = {"rule": rules["FACT"].pk, "event_date": "2025-12-31", "folder_default": "1"}

    # An editor may type the document, not make it the folder's default.
    client_for(client, people["editor"])
    page = client.get(f"/archives/document/{bill.pk}/")
    assert page.status_code == 200 and 'name="folder_default"' not in page.content.decode()
    client.post(f"/archives/document/{bill.pk}/type/", form)
    assert DocumentRecord.objects.filter(document=bill).exists()
    assert not FolderRule.objects.exists()

    client_for(client, people["archivist"])
    assert 'name="folder_default"' in client.get(f"/archives/document/{bill.pk}/").content.decode()
    client.post(f"/archives/document/{bill.pk}/type/", form)
    assert FolderRule.objects.get().folder == bills
    rules_page = client.get("/archives/regles/").content.decode()
    assert "Types par défaut des dossiers" in rules_page and "Factures" in rules_page

    # Removing it: 404 for a reader and an editor, done by the space's manager.
    for someone in (people["reader"], people["editor"]):
        client_for(client, someone)
        assert client.post(f"/archives/dossiers/{bills.pk}/type/retirer/").status_code == 404
    assert client.post("/archives/dossiers/99999999/type/retirer/").status_code == 404
    assert client.post("/archives/dossiers/abc/type/retirer/").status_code == 404
    client_for(client, manager)
    response = client.post(f"/archives/dossiers/{bills.pk}/type/retirer/")
    assert response.status_code == 302
    assert not FolderRule.objects.exists()
