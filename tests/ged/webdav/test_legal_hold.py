"""A document under legal hold cannot be put in the trash through WebDAV: DELETE answers 409 Conflict (its
state, not the agent's rights, as the API answers) with the French reason in the body, and the document
stays; once the hold is released, the same DELETE succeeds."""

import re
from urllib.parse import quote

import pytest

from ged.models import Document
from ged.retention.actions import hold_place, hold_release


@pytest.fixture
def held(space, manager, upload):
    document, _version = upload(space.root, "Marché 2024.pdf", b"%PDF-1.4 contentieux")
    hold = hold_place(document=document, reason="Contentieux avec le titulaire", owner=manager, actor=manager)
    return document, hold


def test_delete_of_a_held_document_is_a_409_conflict_in_french(wsgi_dav, manager, held):
    document, hold = held
    dav = wsgi_dav(manager)
    response = dav.request("DELETE", "/dav/rh/Marché 2024.pdf")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("text/plain")
    assert "fait l'objet d'un gel" in response.text and "« Marché 2024.pdf »" in response.text
    document.refresh_from_db()
    assert document.trashed_at is None
    hold_release(hold=hold, actor=manager)
    assert dav.request("DELETE", "/dav/rh/Marché 2024.pdf").status_code == 204
    document.refresh_from_db()
    assert document.trashed_at is not None


def test_delete_of_a_folder_holding_a_held_document_keeps_it(wsgi_dav, manager, space, subfolder, upload):
    folder = subfolder(space.root, "Contentieux")
    document, _version = upload(folder, "Mémoire.pdf", b"%PDF-1.4 memoire")
    hold_place(document=document, reason="Contentieux en cours", owner=manager, actor=manager)
    dav = wsgi_dav(manager)
    response = dav.request("DELETE", "/dav/rh/Contentieux")
    # wsgidav deletes the members one by one and reports what it could not delete: the held document, then
    # its folder (the GED's guard refuses a folder holding a held document too), both 409.
    assert response.status_code == 207, response.text
    statuses = dict(
        re.findall(r"<D:href>([^<]*)</D:href><D:status>HTTP/1.1 ([^<]*)</D:status>", response.text)
    )
    assert statuses == {
        "/dav/rh/Contentieux/" + quote("Mémoire.pdf"): "409 Conflict",
        "/dav/rh/Contentieux/": "409 Conflict",
    }
    assert Document.objects.get(pk=document.pk).trashed_at is None
    assert dav.names("/dav/rh/Contentieux") == ["Mémoire.pdf"]
