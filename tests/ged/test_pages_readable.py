"""GED pages speak to people: file types in words (« Document Word », never `application/vnd…`) on the folder
listing, the document page, search results and the API; full names in activity; « Créer un document » says
what happens when co-editing is off."""

import pytest

from ged.filetypes import type_label
from ged.office_templates import blank_bytes

pytestmark = pytest.mark.django_db

WORD_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(
    ("mime", "name", "label"),
    [
        (WORD_MIME, "Courrier.docx", "Document Word"),
        ("application/msword", "Ancien.DOC", "Document Word"),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Budget.xlsx",
            "Classeur Excel",
        ),
        ("application/vnd.ms-powerpoint", "Vœux.ppt", "Présentation PowerPoint"),
        ("application/pdf", "Arrêté.pdf", "Document PDF"),
        ("image/png", "Plan.png", "Image PNG"),
        ("text/plain", "Lisez-moi.txt", "Texte"),
        ("application/vnd.oasis.opendocument.text", "Note.odt", "Document OpenDocument"),
        ("application/pdf", "sans-extension", "Document PDF"),  # no extension: the detected type decides
        ("image/x-unknown", "photo", "Image"),
        ("application/octet-stream", "données.bin", "Fichier"),
        (None, "", "Fichier"),
    ],
)
def test_type_label_names_the_type_in_french(mime, name, label):
    assert type_label(mime, name) == label


@pytest.fixture
def courrier(space, upload):
    document, _version = upload(space.root, "Courrier au maire.docx", blank_bytes("docx"))
    return document


def test_folder_document_and_search_pages_show_the_type_in_words(client, manager, space, courrier, upload):
    upload(space.root, "Budget.xlsx", blank_bytes("xlsx"))
    client.force_login(manager)
    listing = client.get(f"/documents/dossier/{space.root_id}/?tri=nom").content.decode()
    assert "Document Word" in listing and "Classeur Excel" in listing
    assert "application/vnd" not in listing
    page = client.get(f"/documents/document/{courrier.pk}/").content.decode()
    assert "Document Word" in page and "application/vnd" not in page
    found = client.get(f"/documents/espace/{space.slug}/recherche/", {"q": "Courrier"}).content.decode()
    assert "Courrier au maire.docx" in found and "Document Word" in found


def test_api_gives_the_type_label_beside_the_mime_type(client, manager, space, courrier):
    client.force_login(manager)
    rows = client.get(f"/api/v1/ged/folders/{space.root_id}").json()["documents"]
    row = next(r for r in rows if r["id"] == courrier.pk)
    assert row["mime_type"] == WORD_MIME and row["type_label"] == "Document Word"
    detail = client.get(f"/api/v1/ged/documents/{courrier.pk}").json()
    assert detail["type_label"] == "Document Word"
    [version] = client.get(f"/api/v1/ged/documents/{courrier.pk}/versions").json()
    assert version["type_label"] == "Document Word"


def test_activity_names_people_not_logins(client, manager, space, courrier):
    """The manager logs in as « gestionnaire »: both activity lists say « Gaëlle Gestion »."""
    client.force_login(manager)
    client.get(f"/documents/document/{courrier.pk}/telecharger/")
    for url in (f"/documents/document/{courrier.pk}/", f"/documents/espace/{space.slug}/activite/"):
        page = client.get(url).content.decode()
        main = page[page.index("<main") :]  # the header's user menu links the viewer's own profile by login
        section = main[main.index("Activit") :]
        assert "Gaëlle Gestion" in section, url
        assert "gestionnaire" not in section, url


def test_create_a_document_says_what_happens_without_coediting(client, manager, space, settings):
    settings.ONLYOFFICE_URL = ""
    client.force_login(manager)
    page = client.get(f"/documents/dossier/{space.root_id}/?tri=nom").content.decode()
    assert "L'édition en ligne n'est pas activée" in page
    assert "Envoyer une nouvelle version" in page
    form = client.get(f"/documents/dossier/{space.root_id}/nouveau-document/?type=docx").content.decode()
    assert "L'édition en ligne n'est pas activée" in form
    response = client.post(
        f"/documents/dossier/{space.root_id}/nouveau-document/",
        {"source": "docx", "name": "Courrier"},
        follow=True,
    )
    assert "Téléchargez-le, modifiez-le sur votre poste" in response.content.decode()
    # Control: with co-editing on, the folder says the editor opens instead.
    settings.ONLYOFFICE_URL = "http://onlyoffice.invalid"
    page = client.get(f"/documents/dossier/{space.root_id}/?tri=nom").content.decode()
    assert "s'ouvre dans l'éditeur en ligne" in page and "n'est pas activée" not in page
