"""Card links to GED documents and salon messages, and attachments stored in the workspace's GED space,
through the core hooks: only objects of the workspace's own space or salon that the adder may read; shown to
each viewer only when they may open them (no title, no trace otherwise); French refusals; nothing
half-created."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chat.actions import message_post
from chat.models import Salon
from ged.actions import document_upload, folder_create, folder_restrict, space_create
from ged.models import Document, Folder, Space
from projects import actions
from projects.choices import MemberRole, Visibility
from projects.links import card_link_add, card_links
from projects.models import Board, CardLink

pytestmark = pytest.mark.django_db


class Named(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name


@pytest.fixture(autouse=True)
def _ged_media(settings, tmp_path):
    settings.GED_STORAGE_ROOT = str(tmp_path / "ged")
    settings.GED_STORAGE_ALIAS = ""
    settings.GED_ACCEL_REDIRECT_PREFIX = ""


@pytest.fixture
def reader(make_user):
    return make_user("rita.lectrice")


@pytest.fixture
def ws(make_workspace, colleague, reader):
    return make_workspace(
        visibility=Visibility.OPEN, members={colleague: MemberRole.CONTRIBUTOR, reader: MemberRole.READER}
    )


@pytest.fixture
def card(ws, lead):
    board = Board.objects.get(workspace=ws)
    return actions.card_create(board=board, column=board.columns.first(), title="Comptages vélo", actor=lead)


def _space(ws):
    return Space.objects.select_related("root").get(pk=ws.refs["ged"]["space_id"])


def _doc(folder, lead, name="Plan vélo.txt", data=b"Trace du plan"):
    return document_upload(folder=folder, uploaded_file_or_path=Named(data, name), author=lead)[0]


def _page(client, user, card):
    client.force_login(user)
    response = client.get(reverse("projects:card", args=[card.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _add(client, user, card, kind, target):
    client.force_login(user)
    return client.post(
        reverse("project_links:add", args=[card.pk]), {"kind": kind, "target": target}, follow=True
    )


def test_document_link_shows_only_to_those_who_may_read_it(client, ws, card, lead, reader):
    """A document of the space linked by its address shows its title to the team; once in a restricted
    folder the reader may not open, the reader's card page shows nothing of it."""
    space = _space(ws)
    folder = folder_create(parent=space.root, name="Études", actor=lead)
    document = _doc(folder, lead)
    response = _add(
        client, lead, card, "ged.document", f"https://intranet.example/documents/document/{document.pk}/"
    )
    assert "Lien ajouté" in response.content.decode()
    assert "Plan vélo.txt" in _page(client, reader, card)
    folder_restrict(folder=folder, restricted=True, actor=lead)
    page = _page(client, reader, card)
    assert "Plan vélo.txt" not in page and f"/documents/document/{document.pk}/" not in page
    assert "Plan vélo.txt" in _page(client, lead, card)


def test_document_link_refusals_are_french(client, ws, card, lead, colleague, reader):
    """Another space's document, an unreadable or missing one, nonsense and a duplicate are refused; a reader
    cannot add links at all (404); the valid request then works."""
    other = space_create(name="Finances", slug="finances", creator=colleague)
    foreign = _doc(other.root, colleague, name="Budget.txt")
    text = _add(client, colleague, card, "ged.document", str(foreign.pk)).content.decode()
    assert "Seuls les documents de l&#x27;espace documentaire du projet" in text
    text = _add(client, lead, card, "ged.document", str(foreign.pk)).content.decode()
    assert "n&#x27;existe pas ou vous ne pouvez pas le lire" in text
    assert (
        "Collez l&#x27;adresse" in _add(client, lead, card, "ged.document", "n'importe quoi").content.decode()
    )
    assert "pas disponible" in _add(client, lead, card, "rooms.booking", "3").content.decode()
    client.force_login(reader)
    assert (
        client.post(reverse("project_links:add", args=[card.pk]), {"kind": "ged.document"}).status_code == 404
    )
    assert not CardLink.objects.exists()
    mine = _doc(_space(ws).root, lead)
    _add(client, lead, card, "ged.document", str(mine.pk))
    assert "déjà sur la carte" in _add(client, lead, card, "ged.document", str(mine.pk)).content.decode()
    assert CardLink.objects.count() == 1


def test_message_link_shows_to_salon_members_only(client, ws, card, lead, make_user):
    """A message of the project salon, linked by its « #m-… » anchor, shows to members; an agent who reads the
    open project's card but is not in the salon sees nothing of it. A message of another salon is refused."""
    salon = Salon.objects.get(pk=ws.refs["chat"]["salon_id"])
    message = message_post(salon=salon, author=lead, text="Réunion comptages jeudi à 10 h")
    text = _add(
        client, lead, card, "chat.message", f"/discussions/{salon.pk}/#m-{message.pk}"
    ).content.decode()
    assert "Lien ajouté" in text
    assert "Réunion comptages jeudi" in _page(client, lead, card)
    passer_by = make_user("passant")
    page = _page(client, passer_by, card)
    assert "Réunion comptages" not in page and f"#m-{message.pk}" not in page
    other_ws = actions.workspace_create(name="Fibre des mairies", creator=lead)
    other_salon = Salon.objects.get(pk=other_ws.refs["chat"]["salon_id"])
    foreign = message_post(salon=other_salon, author=lead, text="Autre sujet")
    text = _add(client, lead, card, "chat.message", str(foreign.pk)).content.decode()
    assert "Seuls les messages du salon du projet" in text
    assert CardLink.objects.count() == 1


def test_attachment_is_stored_in_the_space_and_linked(client, ws, card, lead, colleague):
    """A contributor's file becomes a document of the project space, « Pièces jointes » / board name, linked
    from the card; a second file of the same name gets its own document (not a new version)."""
    client.force_login(colleague)
    url = reverse("project_links:attach", args=[card.pk])
    for _ in range(2):
        response = client.post(
            url, {"file": SimpleUploadedFile("compte-rendu.txt", b"Notes de la visite")}, follow=True
        )
        assert "est joint à la carte" in response.content.decode()
    documents = list(Document.objects.filter(space_id=_space(ws).pk).order_by("pk"))
    assert [d.title for d in documents] == ["compte-rendu.txt", "compte-rendu (pièce jointe).txt"]
    folder = documents[0].folder
    assert folder.name == card.board.name and folder.get_parent().name == "Pièces jointes"
    links = CardLink.objects.filter(card=card)
    assert {(x.kind, x.object_id, x.attachment) for x in links} == {
        ("ged.document", d.pk, True) for d in documents
    }
    assert "compte-rendu.txt" in _page(client, lead, card)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("vide.txt", b"", "est vide"),
        ("faux.pdf", b"<html>pas un pdf</html>", "ne correspond pas"),
        ("gros.txt", b"x" * 2048, "taille maximale"),
    ],
)
def test_bad_attachments_are_refused_in_french_and_leave_nothing(
    client, settings, ws, card, colleague, name, data, expected
):
    settings.GED_MAX_UPLOAD_MB = 0 if name == "gros.txt" else settings.GED_MAX_UPLOAD_MB
    client.force_login(colleague)
    url = reverse("project_links:attach", args=[card.pk])
    response = client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)
    assert expected in response.content.decode()
    assert not Document.objects.exists() and not CardLink.objects.exists()
    assert not Folder.objects.filter(name="Pièces jointes").exists()
    assert "Choisissez un fichier" in client.post(url, {}, follow=True).content.decode()


def test_reader_and_closed_project_cannot_attach(client, ws, card, lead, reader):
    url = reverse("project_links:attach", args=[card.pk])
    client.force_login(reader)
    assert client.post(url, {"file": SimpleUploadedFile("a.txt", b"x")}).status_code == 404
    actions.workspace_close(workspace=ws, actor=lead)
    client.force_login(lead)
    assert client.post(url, {"file": SimpleUploadedFile("a.txt", b"x")}).status_code == 404
    assert not Document.objects.exists()


def test_closed_project_space_refuses_the_store_hook(ws, card, lead):
    """The store hook itself honours the frozen space (a caller skipping the card's rights still fails)."""
    from django.core.exceptions import ValidationError

    from intranet import registry

    actions.workspace_close(workspace=ws, actor=lead)
    with pytest.raises(ValidationError, match="lecture seule"):
        registry.attachment_store().store(ws.refs, "Tableau", Named(b"x", "a.txt"), lead)


def test_card_links_query_count_does_not_grow_with_links(ws, card, lead, django_assert_max_num_queries):
    """One query for the links, then per kind: the grants, the restricted folders, the documents (GED); the
    messages (chat)."""
    space = _space(ws)
    salon = Salon.objects.get(pk=ws.refs["chat"]["salon_id"])
    for i in range(6):
        doc = _doc(space.root, lead, name=f"Doc {i}.txt")
        card_link_add(card=card, kind="ged.document", text=str(doc.pk), actor=lead)
        msg = message_post(salon=salon, author=lead, text=f"Message {i}")
        card_link_add(card=card, kind="chat.message", text=str(msg.pk), actor=lead)
    viewer = type(lead).objects.get(pk=lead.pk)
    with django_assert_max_num_queries(6):
        shown = card_links(card, viewer)
    assert len(shown) == 12
