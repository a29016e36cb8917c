"""Destruction lists: proposed by an archivist (held documents left out), approved by a second person with the
visa role (never the proposer; others get 404), executed through the GED's purge with the guards consulted
again, and an élimination slip listing what was destroyed."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfReader

from ged.models import Document
from ged.retention.actions import (
    destruction_approve,
    destruction_execute,
    destruction_propose,
    hold_place,
    record_set,
)
from ged.retention.choices import ListStatus
from ged.retention.models import DestructionList
from intranet.audit.models import AccessEvent


def _text(pdf_bytes: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)


def test_full_cycle_destroys_and_prints_the_slip(client, due_doc, people, space, upload, rules):
    """Propose (held excluded), visa by another person, execution purges and the slip lists the document."""
    held, _v = upload(space.root, "Facture litigieuse.pdf", b"%PDF-1.4 litige")
    record_set(
        document=held, rule=rules["FACT"], event_date=datetime.date(2011, 1, 1), actor=people["archivist"]
    )
    hold_place(document=held, reason="Contentieux", owner=people["archivist"], actor=people["archivist"])
    sha = due_doc.current_version.blob_id

    client.force_login(people["archivist"])
    response = client.post("/api/v1/retention/destruction-lists", {}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [i["document"] for i in body["items"]] == [due_doc.pk]
    list_id = body["id"]

    # The proposer cannot approve, even holding the visa role too.
    people["archivist"].user_permissions.add(*people["approver"].user_permissions.all())
    people["archivist"] = type(people["archivist"]).objects.get(pk=people["archivist"].pk)
    client.force_login(people["archivist"])
    response = client.post(f"/api/v1/retention/destruction-lists/{list_id}/approve")
    assert response.status_code == 400
    assert "autre personne" in response.json()["detail"]
    # Execution before the visa is refused.
    response = client.post(f"/api/v1/retention/destruction-lists/{list_id}/execute")
    assert response.status_code == 400

    client.force_login(people["approver"])
    response = client.post(f"/api/v1/retention/destruction-lists/{list_id}/approve")
    assert response.status_code == 200
    assert response.json()["status"] == ListStatus.APPROVED

    client.force_login(people["archivist"])
    response = client.post(f"/api/v1/retention/destruction-lists/{list_id}/execute")
    assert response.status_code == 200, response.content
    assert not Document.objects.filter(pk=due_doc.pk).exists()
    assert Document.objects.filter(pk=held.pk).exists()

    response = client.get(f"/archives/eliminations/{list_id}/bordereau.pdf")
    assert response.status_code == 200
    text = _text(response.content)
    assert "Facture 2010.pdf" in text
    assert "FACT" in text
    assert sha[:20] in text.replace("\n", "")
    assert "litigieuse" not in text
    actions = set(
        AccessEvent.objects.filter(action__startswith="retention.list").values_list("action", flat=True)
    )
    assert actions == {"retention.list.propose", "retention.list.approve", "retention.list.execute"}


def test_agent_without_role_gets_404(client, due_doc, people):
    dlist = destruction_propose(actor=people["archivist"])
    client.force_login(people["editor"])
    assert client.get("/api/v1/retention/destruction-lists").status_code == 404
    assert client.post(f"/api/v1/retention/destruction-lists/{dlist.pk}/approve").status_code == 404
    assert client.get(f"/archives/eliminations/{dlist.pk}/").status_code == 404
    assert client.post(f"/archives/eliminations/{dlist.pk}/viser/").status_code == 404
    assert (
        client.post("/api/v1/retention/destruction-lists", {}, content_type="application/json").status_code
        == 404
    )
    dlist.refresh_from_db()
    assert dlist.status == ListStatus.PROPOSED
    # The control: the visa holder sees it.
    client.force_login(people["approver"])
    assert client.get(f"/archives/eliminations/{dlist.pk}/").status_code == 200


def test_hold_placed_after_visa_blocks_the_execution_with_409(client, due_doc, people):
    dlist = destruction_propose(actor=people["archivist"])
    destruction_approve(dlist=dlist, actor=people["approver"])
    hold_place(
        document=due_doc, reason="Recours contentieux", owner=people["archivist"], actor=people["archivist"]
    )
    client.force_login(people["archivist"])
    response = client.post(f"/api/v1/retention/destruction-lists/{dlist.pk}/execute")
    assert response.status_code == 409
    assert "gel" in response.json()["detail"]
    assert Document.objects.filter(pk=due_doc.pk, trashed_at__isnull=True).exists()
    dlist.refresh_from_db()
    assert dlist.status == ListStatus.APPROVED


def test_web_pages_walk_the_cycle(client, due_doc, people):
    client.force_login(people["archivist"])
    response = client.post("/archives/eliminations/proposer/", follow=True)
    assert response.status_code == 200
    dlist = DestructionList.objects.get()
    client.force_login(people["approver"])
    assert client.post(f"/archives/eliminations/{dlist.pk}/viser/").status_code == 302
    client.force_login(people["archivist"])
    response = client.post(f"/archives/eliminations/{dlist.pk}/executer/", follow=True)
    assert "bordereau" in response.content.decode()
    dlist.refresh_from_db()
    assert dlist.status == ListStatus.EXECUTED


def test_nothing_due_is_a_french_refusal(rules, people):
    with pytest.raises(ValidationError, match="Aucun document"):
        destruction_propose(actor=people["archivist"])
    assert not DestructionList.objects.exists()


def test_command_prepares_a_list(due_doc, people):
    out = io.StringIO()
    call_command("retention_propose", "--archiviste", people["archivist"].username, stdout=out)
    assert "1 document" in out.getvalue()
    assert DestructionList.objects.get().items.get().document_id == due_doc.pk


def test_execute_requires_approved_status(due_doc, people):
    dlist = destruction_propose(actor=people["archivist"])
    with pytest.raises(ValidationError):
        destruction_execute(dlist=dlist, actor=people["archivist"])
    assert Document.objects.filter(pk=due_doc.pk).exists()


def test_weekly_notice_tells_the_archivists_only_and_stops_once_the_list_is_proposed(due_doc, people):
    """`retention_notice` (the weekly timer) tells each archivist how many documents are due; nobody else
    hears of them; once they are on a proposed list, nothing is due any more and nothing is sent."""
    from intranet.notifications.models import Notification

    out = io.StringIO()
    call_command("retention_notice", stdout=out)
    assert "1 document(s)" in out.getvalue()
    sent = list(Notification.objects.filter(verb="ged.retention.due"))
    assert [n.recipient_id for n in sent] == [people["archivist"].pk]
    assert "1 document a dépassé" in sent[0].text
    assert sent[0].url == "/archives/"

    destruction_propose(actor=people["archivist"])
    out = io.StringIO()
    call_command("retention_notice", stdout=out)
    assert out.getvalue().startswith("0 document")
    assert Notification.objects.filter(verb="ged.retention.due").count() == 1


def test_the_visa_holders_are_told_of_a_proposed_list(due_doc, people):
    from intranet.notifications.models import Notification

    dlist = destruction_propose(actor=people["archivist"])
    sent = list(Notification.objects.filter(verb="ged.retention.proposed"))
    assert [n.recipient_id for n in sent] == [people["approver"].pk]
    assert f"n° {dlist.pk} à viser : 1 document" in sent[0].text
    assert sent[0].url == f"/archives/eliminations/{dlist.pk}/"
