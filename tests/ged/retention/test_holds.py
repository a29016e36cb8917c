"""Legal holds: a held document cannot be trashed, purged, its folder deleted or destroyed; French refusals
on the web (no 500) and 409 in the API; bad input refused with nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ged import removal_hooks
from ged.actions import document_trash, folder_delete, trash_purge_expired
from ged.models import Document
from ged.retention.actions import hold_place, hold_release
from ged.retention.models import LegalHold


@pytest.fixture
def held(due_doc, people):
    hold_place(
        document=due_doc,
        reason="Contentieux fournisseur",
        owner=people["archivist"],
        actor=people["archivist"],
    )
    return due_doc


def test_held_document_cannot_be_trashed_by_action(held, manager):
    """The guard refuses the trash in French, and nothing changes."""
    with pytest.raises(removal_hooks.RemovalRefused, match="gel"):
        document_trash(document=held, actor=manager)
    held.refresh_from_db()
    assert held.trashed_at is None


def test_api_trash_of_held_document_is_409_in_french(client, held, manager):
    client.force_login(manager)
    response = client.post(f"/api/v1/ged/documents/{held.pk}/trash")
    assert response.status_code == 409
    assert "gel" in response.json()["detail"]
    Document.objects.get(pk=held.pk, trashed_at__isnull=True)


def test_api_purge_of_document_held_after_trash_is_409(client, due_doc, manager, people):
    """A hold placed before the trash… cannot exist on a trashed document, so hold, then force the trash
    date as a legacy row would be: the purge still answers 409."""
    hold_place(document=due_doc, reason="Contrôle", owner=manager, actor=manager)
    Document.objects.filter(pk=due_doc.pk).update(trashed_at=timezone.now())
    client.force_login(manager)
    response = client.delete(f"/api/v1/ged/documents/{due_doc.pk}")
    assert response.status_code == 409
    assert "gel" in response.json()["detail"]
    assert Document.objects.filter(pk=due_doc.pk).exists()


def test_web_trash_of_held_document_shows_french_message(client, held, manager):
    client.force_login(manager)
    response = client.post(reverse("ged:document_trash", args=[held.pk]), follow=True)
    assert response.status_code == 200
    assert "gel" in response.content.decode()
    held.refresh_from_db()
    assert held.trashed_at is None


def test_released_hold_lets_the_trash_through(held, manager, people):
    """The control: once released, the same trash passes."""
    hold_release(hold=held.legal_holds.get(), actor=people["archivist"])
    document_trash(document=held, actor=manager)
    held.refresh_from_db()
    assert held.trashed_at is not None


def test_expired_trash_purge_skips_held_and_purges_the_rest(space, upload, manager, settings):
    kept, _v = upload(space.root, "Gardé.txt", b"a")
    gone, _v = upload(space.root, "Parti.txt", b"b")
    hold_place(document=kept, reason="Contentieux", owner=manager, actor=manager)
    old = timezone.now() - datetime.timedelta(days=settings.GED_TRASH_DAYS + 5)
    Document.objects.filter(pk__in=[kept.pk, gone.pk]).update(trashed_at=old)
    assert trash_purge_expired() == 1
    assert Document.objects.filter(pk=kept.pk).exists()
    assert not Document.objects.filter(pk=gone.pk).exists()


def test_folder_delete_consults_the_guard(space, subfolder, upload, manager):
    folder = subfolder(space.root, "Contentieux")
    document, _v = upload(folder, "Pièce.txt", b"x")
    hold_place(document=document, reason="Contentieux", owner=manager, actor=manager)
    with pytest.raises(removal_hooks.RemovalRefused, match="gel"):
        folder_delete(folder=folder, actor=manager)


def test_hold_on_trashed_document_is_refused(due_doc, manager, people, client):
    document_trash(document=due_doc, actor=manager)
    with pytest.raises(ValidationError, match="corbeille"):
        hold_place(document=due_doc, reason="Contentieux", owner=manager, actor=manager)
    client.force_login(people["archivist"])
    response = client.post(
        "/api/v1/retention/holds",
        {"document": due_doc.pk, "reason": "Contentieux"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "corbeille" in response.json()["detail"]
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ({"reason": "   "}, "motif"),
        ({"reason": "Contentieux", "start_date": "2026-05-10", "end_date": "2026-05-01"}, "fin"),
    ],
)
def test_bad_hold_input_is_refused_in_french(client, due_doc, people, body, word):
    client.force_login(people["archivist"])
    response = client.post(
        "/api/v1/retention/holds", {"document": due_doc.pk, **body}, content_type="application/json"
    )
    assert response.status_code == 400
    assert word in response.json()["detail"]
    assert not LegalHold.objects.exists()
    response = client.post(
        "/api/v1/retention/holds",
        {"document": due_doc.pk, "reason": "Contentieux"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert LegalHold.objects.active().filter(document=due_doc).count() == 1


def test_reader_may_not_hold_nor_release(client, held, people):
    """A reader of the space (not manager, not archivist) gets 404 on both, like a missing document."""
    client.force_login(people["reader"])
    response = client.post(
        "/api/v1/retention/holds", {"document": held.pk, "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    hold = held.legal_holds.get()
    assert client.post(f"/api/v1/retention/holds/{hold.pk}/release").status_code == 404
    assert client.post(reverse("retention:hold_release", args=[hold.pk])).status_code == 404
    hold.refresh_from_db()
    assert hold.released_at is None


def test_space_manager_places_and_releases_on_the_web(client, due_doc, manager):
    client.force_login(manager)
    response = client.post(
        reverse("retention:hold_place", args=[due_doc.pk]), {"reason": "Demande d'accès CADA"}, follow=True
    )
    assert response.status_code == 200
    hold = LegalHold.objects.active().get(document=due_doc)
    response = client.post(reverse("retention:hold_release", args=[hold.pk]), follow=True)
    assert response.status_code == 200
    hold.refresh_from_db()
    assert hold.released_at is not None
