"""The /archives/ pages answer for each role (archivist, visa, reader), 404 where the role is missing, and
their listings cost the same number of queries for one or several documents."""

import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ged.actions import space_create
from ged.choices import SpacePolicy
from ged.retention.actions import destruction_propose, record_set
from ged.retention.demo import seed_retention
from ged.retention.models import DocumentRecord, LegalHold, RetentionRule


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_index_and_transfers_queries_do_not_grow_with_documents(
    client, due_doc, people, space, upload, rules
):
    client.force_login(people["archivist"])
    delib, _v = upload(space.root, "Délibération 2001.pdf", b"%PDF-1.4 delib")
    record_set(
        document=delib, rule=rules["DELIB"], event_date=datetime.date(2001, 3, 1), actor=people["archivist"]
    )
    index_one = _count(client, reverse("retention:index"))
    transfers_one = _count(client, reverse("retention:transfers"))
    for n in range(3):
        document, _v = upload(space.root, f"Facture {n}.pdf", b"%PDF-1.4 f" + bytes([48 + n]))
        record_set(
            document=document,
            rule=rules["FACT"],
            event_date=datetime.date(2009, 1, 1),
            actor=people["archivist"],
        )
        document, _v = upload(space.root, f"Délibération {n}.pdf", b"%PDF-1.4 d" + bytes([48 + n]))
        record_set(
            document=document,
            rule=rules["DELIB"],
            event_date=datetime.date(2002, 1, 1),
            actor=people["archivist"],
        )
    assert _count(client, reverse("retention:index")) == index_one
    assert _count(client, reverse("retention:transfers")) == transfers_one
    destruction_propose(actor=people["archivist"])
    assert client.get(reverse("retention:index")).status_code == 200


def test_transfer_export_streams_a_zip(client, space, upload, people, rules):
    delib, _v = upload(space.root, "Délibération 2001.pdf", b"%PDF-1.4 delib")
    record_set(
        document=delib, rule=rules["DELIB"], event_date=datetime.date(2001, 3, 1), actor=people["archivist"]
    )
    client.force_login(people["archivist"])
    response = client.get(reverse("retention:transfer_export"))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"
    assert b"manifest.xml" in body


def test_role_pages(client, due_doc, people):
    for user, ok, missing in [
        (people["archivist"], ["index", "rules", "holds", "transfers"], []),
        (people["approver"], ["index", "rules", "holds"], ["transfers"]),
        (people["reader"], ["index", "rules", "holds"], ["transfers"]),
    ]:
        client.force_login(user)
        for name in ok:
            assert client.get(reverse(f"retention:{name}")).status_code == 200, (user, name)
        for name in missing:
            assert client.get(reverse(f"retention:{name}")).status_code == 404, (user, name)
    client.force_login(people["reader"])
    assert client.get(reverse("retention:document", args=[due_doc.pk])).status_code == 200
    assert client.get(reverse("ged:document", args=[due_doc.pk])).status_code == 200


def test_demo_seeder_qualifies_and_holds_once(manager, upload, people):
    """Rules, both roles, due documents of the « finances » space and one hold; a second run adds nothing."""
    finances = space_create(name="Finances", slug="finances", policy=SpacePolicy.PRIVATE, creator=manager)
    upload(finances.root, "Mandat 2012.pdf", b"%PDF-1.4 mandat")
    agents = {"francois.declercq": people["archivist"], "jerome.vandenbroucke": people["approver"]}
    seed_retention(stdout=io.StringIO(), agents=agents)
    seed_retention(stdout=io.StringIO(), agents=agents)
    assert DocumentRecord.objects.due().count() == 1
    assert LegalHold.objects.active().count() == 1
    assert RetentionRule.objects.filter(example=True).count() >= 8
