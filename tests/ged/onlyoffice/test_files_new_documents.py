"""New office documents: blank ones generated at run time, and copies of the space's « Modèles »."""

import hashlib
import io

import docx
import openpyxl
import pptx
import pytest
from django.urls import reverse

from ged import storage
from ged.choices import Role
from ged.models import Document
from ged.office_templates import blank_bytes, space_templates


@pytest.fixture(autouse=True)
def _onlyoffice_off(settings):
    settings.ONLYOFFICE_URL = ""


@pytest.fixture
def templates_folder(space, subfolder, grant, oo_editor):
    """« Modèles » at the space root, readable by the editor of « Rapports »."""
    folder = subfolder(space.root, "Modèles")
    grant(folder, Role.READER, user=oo_editor)
    return folder


def _bytes(document) -> bytes:
    document.refresh_from_db()
    with storage.blob_open(document.current_version.blob_id) as fh:
        return fh.read()


def test_blank_files_open_in_their_libraries():
    """Each blank file is a valid document for python-docx, openpyxl and python-pptx."""
    word = docx.Document(io.BytesIO(blank_bytes("docx")))
    assert word.paragraphs is not None
    book = openpyxl.load_workbook(io.BytesIO(blank_bytes("xlsx")))
    assert book.sheetnames == ["Feuille 1"]
    deck = pptx.Presentation(io.BytesIO(blank_bytes("pptx")))
    assert len(deck.slides) == 1


def test_blank_files_are_deterministic():
    """Built from scratch twice, a blank file has the same bytes (so every blank document shares a blob)."""
    from ged import office_templates

    for ext in ("docx", "xlsx", "pptx"):
        first = hashlib.sha256(blank_bytes(ext)).hexdigest()
        rebuilt = office_templates._deterministic_zip(office_templates._BUILDERS[ext]())
        assert hashlib.sha256(rebuilt).hexdigest() == first


@pytest.mark.parametrize(
    ("kind", "opener"),
    [("docx", docx.Document), ("xlsx", openpyxl.load_workbook), ("pptx", pptx.Presentation)],
)
def test_contributor_creates_a_blank_document(client, make_user, grant, oo_folder, kind, opener):
    """A contributor names the file, gets the extension added, lands on the document page (OnlyOffice off)."""
    agent = make_user("claire.contrib")
    grant(oo_folder, Role.CONTRIBUTOR, user=agent)
    client.force_login(agent)
    url = reverse("ged:document_new", args=[oo_folder.pk])
    page = client.get(url, {"type": kind})
    assert page.status_code == 200
    assert f'value="{kind}"' in page.content.decode() and "checked" in page.content.decode()

    response = client.post(url, {"source": kind, "name": "Compte rendu du 3 mars"})

    document = Document.objects.get(folder=oo_folder, title=f"Compte rendu du 3 mars.{kind}")
    assert response.status_code == 302
    assert response.url == reverse("ged:document", args=[document.pk])
    assert document.created_by == agent
    assert document.current_version.number == 1
    assert document.current_version.author == agent
    assert document.current_version.comment == "Document créé vide"
    opener(io.BytesIO(_bytes(document)))


def test_typed_extension_is_not_doubled(client, oo_editor, oo_folder):
    client.force_login(oo_editor)
    client.post(reverse("ged:document_new", args=[oo_folder.pk]), {"source": "xlsx", "name": "Budget.xlsx"})
    assert Document.objects.filter(folder=oo_folder, title="Budget.xlsx").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source": "docx", "name": ""}, "Donnez un nom au nouveau document."),
        ({"source": "docx", "name": "   "}, "Donnez un nom au nouveau document."),
        ({"source": "docx", "name": "x" * 201}, "Ce nom est trop long : 200 caractères au plus."),
        ({"source": "docx", "name": "..."}, "Ce nom n&#x27;est pas utilisable"),
        ({"source": "", "name": "Note"}, "Choisissez le type de document à créer."),
        ({"source": "exe", "name": "Note"}, "Choisissez le type de document à créer dans la liste."),
        (
            {"source": "modele-999999", "name": "Note"},
            "Choisissez le type de document à créer dans la liste.",
        ),
    ],
)
def test_invalid_names_and_types_get_french_messages(client, oo_editor, oo_folder, data, message):
    """Bad input answers 400 with a sentence saying what to do; nothing is created."""
    client.force_login(oo_editor)
    url = reverse("ged:document_new", args=[oo_folder.pk])
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.filter(folder=oo_folder).exists()
    # The same form with valid values goes through: the refusal was for the stated reason.
    assert client.post(url, {"source": "docx", "name": "Note"}).status_code == 302


def test_name_collision_is_refused(client, oo_editor, oo_folder, upload):
    """An existing document of that name is never overwritten by a blank one."""
    existing, _v = upload(oo_folder, "Note.docx", blank_bytes("docx"))
    client.force_login(oo_editor)
    url = reverse("ged:document_new", args=[oo_folder.pk])
    response = client.post(url, {"source": "docx", "name": "note"})
    assert response.status_code == 400
    assert "Un document « note.docx » existe déjà dans ce dossier" in response.content.decode()
    assert existing.versions.count() == 1
    assert client.post(url, {"source": "docx", "name": "Note 2"}).status_code == 302


def test_dangerous_name_is_normalised(client, oo_editor, oo_folder):
    client.force_login(oo_editor)
    url = reverse("ged:document_new", args=[oo_folder.pk])
    assert client.post(url, {"source": "docx", "name": "../../etc/passwd\u202e"}).status_code == 302
    assert Document.objects.get(folder=oo_folder).title == "etc-passwd.docx"


@pytest.mark.parametrize("method", ["get", "post"])
def test_reader_and_outsider_get_404(client, oo_reader, make_user, oo_folder, method):
    """Only agents who may add documents to the folder see the form; others get the same 404 as missing."""
    url = reverse("ged:document_new", args=[oo_folder.pk])
    data = {"source": "docx", "name": "Intrus"} if method == "post" else {}
    for agent in (oo_reader, make_user("olivier.outsider")):
        client.force_login(agent)
        assert getattr(client, method)(url, data).status_code == 404
    missing = reverse("ged:document_new", args=[999999])
    assert getattr(client, method)(missing, data).status_code == 404
    assert not Document.objects.filter(folder=oo_folder).exists()


def test_folder_page_offers_the_buttons_to_contributors_only(client, oo_editor, oo_reader, oo_folder):
    url = reverse("ged:folder", args=[oo_folder.pk])
    client.force_login(oo_editor)
    assert "Nouvelle présentation" in client.get(url).content.decode()
    client.force_login(oo_reader)
    assert "Nouvelle présentation" not in client.get(url).content.decode()


def test_create_from_space_template(client, oo_editor, oo_folder, templates_folder, upload, manager):
    """A document of the space's « Modèles » folder is offered and copied (same bytes) into the new one."""
    model, _v = upload(templates_folder, "Courrier officiel.docx", blank_bytes("docx"))
    upload(templates_folder, "Lisez-moi.txt", b"Pas un modele bureautique")
    client.force_login(oo_editor)
    url = reverse("ged:document_new", args=[oo_folder.pk])
    page = client.get(url).content.decode()
    assert "Courrier officiel.docx" in page
    assert "Lisez-moi.txt" not in page

    response = client.post(url, {"source": f"modele-{model.pk}", "name": "Courrier au maire"})

    assert response.status_code == 302
    created = Document.objects.get(folder=oo_folder, title="Courrier au maire.docx")
    assert created.current_version.blob_id == model.current_version.blob_id
    assert created.current_version.comment == "Créé à partir du modèle « Courrier officiel.docx »"
    assert model.versions.count() == 1


def test_templates_follow_read_access(space, make_user, grant, templates_folder, subfolder, upload, manager):
    """A template in a restricted subfolder the agent cannot read is not offered (nor usable by its id)."""
    from ged.actions import folder_restrict

    open_model, _v = upload(templates_folder, "Note.docx", blank_bytes("docx"))
    secret_folder = subfolder(templates_folder, "Direction")
    folder_restrict(folder=secret_folder, restricted=True, actor=manager)
    upload(secret_folder, "Confidentiel.xlsx", blank_bytes("xlsx"))
    agent = make_user("rita.reader")
    grant(space.root, Role.CONTRIBUTOR, user=agent)
    assert [t.title for t in space_templates(agent, space.pk)] == ["Note.docx"]
    assert [t.title for t in space_templates(manager, space.pk)] == ["Confidentiel.xlsx", "Note.docx"]


def test_new_document_view_query_counts(
    client, oo_editor, oo_folder, templates_folder, upload, django_assert_num_queries
):
    """Pinned: the form costs a fixed number of queries whatever the number of templates."""
    for i in range(3):
        upload(templates_folder, f"Modèle {i}.docx", blank_bytes("docx"))
    client.force_login(oo_editor)
    url = reverse("ged:document_new", args=[oo_folder.pk])
    client.get(url)  # the base template caches the agent's admin-link permission (two queries) on first use
    # session, user, folder, its ancestors, grants, « Modèles » folder, restricted folders, templates (one
    # query for all), then the base template's host organisation and unread notifications count.
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    upload(templates_folder, "Modèle 4.xlsx", blank_bytes("xlsx"))
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200


def test_new_document_creation_query_count(client, oo_editor, oo_folder, django_assert_num_queries):
    """Pinned: creating a blank document (checks, blob, document, history, version, audit) is a fixed cost."""
    client.force_login(oo_editor)
    url = reverse("ged:document_new", args=[oo_folder.pk])
    client.get(url)
    client.post(url, {"source": "docx", "name": "Premier"})
    # 25 on PostgreSQL and SQLite: session, user, folder access (3), templates (3), name check, savepoints,
    # blob, document + its history row in their own savepoint (2: a concurrent namesake meets the title index
    # there, see ged/actions/titles.py), row lock, last number, version, current version, followers, audit.
    # Independent of how many documents or templates exist.
    with django_assert_num_queries(25):
        assert client.post(url, {"source": "docx", "name": "Second"}).status_code == 302
