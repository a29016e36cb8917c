"""Forbidden answers exactly like missing (404, same body) on every GED route and API endpoint."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ged.choices import Role

MISSING = 999999


@pytest.fixture
def objects(space, subfolder, upload, manager):
    from ged.actions import document_trash

    folder = subfolder(space.root, "Confidentiel")
    doc, version = upload(folder, "secret.txt", b"Salaire du DGS")
    trashed, _ = upload(folder, "vieux.txt", b"ancien")
    document_trash(document=trashed, actor=manager)
    return {
        "space": space.slug,
        "folder": folder.pk,
        "doc": doc.pk,
        "version": version.pk,
        "trashed": trashed.pk,
    }


WEB = [
    ("get", "/documents/espace/{space}/"),
    ("get", "/documents/espace/{space}/corbeille/"),
    ("get", "/documents/espace/{space}/activite/"),
    ("get", "/documents/espace/{space}/recherche/?q=salaire"),
    ("get", "/documents/dossier/{folder}/"),
    ("get", "/documents/dossier/{folder}/deposer/"),
    ("post", "/documents/dossier/{folder}/deposer/"),
    ("post", "/documents/dossier/{folder}/nouveau-dossier/"),
    ("get", "/documents/dossier/{folder}/renommer/"),
    ("get", "/documents/dossier/{folder}/deplacer/"),
    ("post", "/documents/dossier/{folder}/supprimer/"),
    ("post", "/documents/dossier/{folder}/suivre/"),
    ("get", "/documents/dossier/{folder}/acces/"),
    ("post", "/documents/dossier/{folder}/acces/donner/"),
    ("post", "/documents/dossier/{folder}/acces/apercu/"),
    ("post", "/documents/dossier/{folder}/acces/retirer/"),
    ("post", "/documents/dossier/{folder}/acces/restreindre/"),
    ("get", "/documents/document/{doc}/"),
    ("get", "/documents/document/{doc}/telecharger/"),
    ("post", "/documents/document/{doc}/nouvelle-version/"),
    ("post", "/documents/document/{doc}/reserver/"),
    ("post", "/documents/document/{doc}/liberer/"),
    ("get", "/documents/document/{doc}/modifier/"),
    ("get", "/documents/document/{doc}/deplacer/"),
    ("post", "/documents/document/{doc}/corbeille/"),
    ("post", "/documents/document/{trashed}/restaurer/"),
    ("post", "/documents/document/{trashed}/purger/"),
    ("post", "/documents/document/{doc}/suivre/"),
    ("get", "/documents/document/{doc}/acces/"),
    ("get", "/documents/version/{version}/telecharger/"),
    ("post", "/documents/version/{version}/restaurer/"),
    ("post", "/documents/version/{version}/jalon/"),
]
API = [
    ("get", "/api/v1/ged/folders/{folder}"),
    ("get", "/api/v1/ged/documents/{doc}"),
    ("get", "/api/v1/ged/documents/{doc}/versions"),
    ("post", "/api/v1/ged/folders/{folder}/documents"),
    ("post", "/api/v1/ged/documents/{doc}/versions"),
    ("get", "/api/v1/ged/versions/{version}/download"),
    ("get", "/api/v1/ged/folders/{folder}/grants"),
    ("post", "/api/v1/ged/documents/{doc}/trash"),
    ("post", "/api/v1/ged/documents/{trashed}/restore"),
    ("delete", "/api/v1/ged/documents/{trashed}"),
    ("get", "/api/v1/ged/spaces/{space}/trash"),
]


def _normalised(response, url) -> bytes:
    """The body without what differs on every page anyway: CSRF tokens and the page's own path."""
    body = re.sub(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', rb"\\1", response.content)
    return body.replace(url.encode(), b"URL")


def _missing(objects):
    return {k: (f"inconnu-{v}" if k == "space" else MISSING) for k, v in objects.items()}


def _call(client, method, url):
    if method == "post":
        upload = SimpleUploadedFile("x.txt", b"contenu")
        return client.post(
            url, {"name": "x", "principal": "u1", "role": "reader", "label": "x", "file": upload}
        )
    return getattr(client, method)(url)


@pytest.mark.parametrize(("method", "url"), WEB + API)
def test_outsider_gets_same_404_as_missing(client, agent, objects, method, url):
    """An agent with no grant on a private space cannot tell an object exists."""
    client.force_login(agent)
    forbidden_url, missing_url = url.format(**objects), url.format(**_missing(objects))
    forbidden = _call(client, method, forbidden_url)
    missing = _call(client, method, missing_url)
    assert forbidden.status_code == 404
    assert missing.status_code == 404
    assert _normalised(forbidden, forbidden_url.split("?")[0]) == _normalised(
        missing, missing_url.split("?")[0]
    )
    assert b"secret" not in forbidden.content and b"Confidentiel" not in forbidden.content


@pytest.mark.parametrize(
    ("method", "url"), [r for r in WEB if r[0] == "get"] + [r for r in API if r[0] == "get"]
)
def test_manager_gets_the_same_routes(client, manager, objects, method, url):
    """The valid request succeeds, so the 404 above is about permission, not a broken route."""
    client.force_login(manager)
    response = _call(client, method, url.format(**objects))
    assert response.status_code in (200, 302), response.content[:500]


def test_reader_gets_404_on_writes(client, agent, objects, grant, space):
    from ged.models import Folder

    grant(Folder.objects.get(pk=objects["folder"]), Role.READER, user=agent)
    client.force_login(agent)
    assert client.get(f"/documents/document/{objects['doc']}/").status_code == 200
    for url in (
        f"/documents/version/{objects['version']}/restaurer/",
        f"/documents/document/{objects['doc']}/corbeille/",
        f"/documents/dossier/{objects['folder']}/nouveau-dossier/",
        f"/documents/dossier/{objects['folder']}/acces/donner/",
    ):
        assert client.post(url, {"name": "x"}).status_code == 404, url


def test_anonymous_is_sent_to_login_and_api_answers_401(client, objects):
    assert client.get(f"/documents/document/{objects['doc']}/").status_code == 302
    assert client.get(f"/api/v1/ged/documents/{objects['doc']}").status_code == 401
