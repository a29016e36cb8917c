"""IT's screen of the outbox: what waits, with its error, and « Réessayer maintenant »; others do not."""

import pytest
from django.utils import timezone

from intranet.outbox.actions import outbox_add, outbox_failed
from intranet.outbox.models import OutboxItem
from intranet.outbox.registry import register_kind, unregister_kind

URL = "/cms/operations-externes/"


@pytest.fixture
def failing_row(db):
    register_kind(name="test.mail", perform=lambda payload: None, label="Courriel de test")
    item = outbox_add(kind="test.mail", payload={"to": "x"})
    item.attempts = 3
    outbox_failed(item=item, error=ConnectionRefusedError("serveur SMTP injoignable"))
    done = outbox_add(kind="test.mail", payload={"to": "y"})
    OutboxItem.objects.filter(pk=done.pk).update(done_at=timezone.now(), last_error="ancienne erreur réglée")
    yield item
    unregister_kind("test.mail")


def test_it_sees_waiting_rows_with_their_error_and_retries_one(client, make_user, failing_row):
    client.force_login(make_user("it.admin", superuser=True))
    page = client.get(URL).content.decode()
    assert "Courriel de test" in page and "serveur SMTP injoignable" in page
    assert "ancienne erreur réglée" not in page  # done rows are history, not shown
    assert "Réessayer maintenant" in page
    assert client.get(f"{URL}{failing_row.pk}/reessayer/").status_code == 405
    response = client.post(f"{URL}{failing_row.pk}/reessayer/")
    assert response.status_code == 302
    failing_row.refresh_from_db()
    assert failing_row.next_attempt_at <= timezone.now()
    assert client.get(f"{URL}inspect/{failing_row.pk}/").status_code == 200


def test_other_staff_neither_see_nor_retry(client, make_user, failing_row):
    before = OutboxItem.objects.get(pk=failing_row.pk).next_attempt_at
    client.force_login(make_user("redac", is_staff=True))
    assert "serveur SMTP injoignable" not in client.get(URL, follow=True).content.decode()
    # Refused by the admin itself (no admin access), as every /cms/ route for them.
    assert client.post(f"{URL}{failing_row.pk}/reessayer/").status_code in (403, 404)
    assert OutboxItem.objects.get(pk=failing_row.pk).next_attempt_at == before
