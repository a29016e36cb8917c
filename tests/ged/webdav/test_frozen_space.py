"""The DAV endpoint honours a frozen space (a closed project's): reads work, every write answers 403 with the
French « lecture seule » sentence, even for the space's manager; unfrozen, the same request succeeds."""

import pytest

from ged.actions import space_freeze
from ged.models import Document, Version


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("PUT", "/dav/rh/note.txt", {}),
        ("PUT", "/dav/rh/nouveau.txt", {}),
        ("DELETE", "/dav/rh/note.txt", {}),
        ("MOVE", "/dav/rh/note.txt", {"Destination": "/dav/rh/autre.txt"}),
        ("MKCOL", "/dav/rh/Dossier", {}),
    ],
)
def test_writes_in_a_frozen_space_are_refused_with_403(
    wsgi_dav, space, manager, upload, method, path, headers
):
    upload(space.root, "note.txt", b"Bonjour")
    space_freeze(space=space, frozen=True, actor=manager)
    dav = wsgi_dav(manager)
    assert dav.request("GET", "/dav/rh/note.txt").content == b"Bonjour"
    body = b"Autre contenu" if method == "PUT" else b""
    response = dav.request(method, path, body, headers)
    assert response.status_code == 403
    assert "lecture seule" in response.text
    assert Document.objects.live().count() == 1
    assert Version.objects.count() == 1
    assert Document.objects.get().title == "note.txt"
    space_freeze(space=space, frozen=False, actor=manager)
    assert wsgi_dav(manager).request(method, path, body, headers).status_code in (201, 204)
