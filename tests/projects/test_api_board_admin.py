"""/api/v1/projects/ for labels, archive, delete and columns. Same rules as the pages: contributeurs add
labels and columns, label and archive cards; responsables rename, reorder and delete columns and delete cards;
whoever may not answers 404 like a missing object; refusals are French 400 with `detail` and leave nothing
changed; a stale labelling is 409 with the current card. Every refusal is followed by the valid request.
Also the issue's « bad input » list against the API: a column of another board, an overlong title or name,
HTML and `javascript:` in Markdown (stored, rendered inert on the card page)."""

import pytest
from django.urls import reverse

from projects import actions
from projects.choices import MemberRole, Visibility
from projects.models import Board, Card, Column, Comment, Label

pytestmark = pytest.mark.django_db
API = "/api/v1/projects"
JSON = "application/json"


@pytest.fixture
def setup(make_workspace, colleague, make_user):
    reader = make_user("rita.lectrice")
    ws = make_workspace(
        visibility=Visibility.OPEN, members={colleague: MemberRole.CONTRIBUTOR, reader: MemberRole.READER}
    )
    board = Board.objects.get(workspace=ws)
    first = board.columns.order_by("position").first()
    label = actions.label_create(board=board, name="Voirie", actor=ws.lead)
    card = actions.card_create(board=board, column=first, title="Étude", actor=ws.lead)
    return ws, board, first, label, card, reader


def _call(client, method, url, data=None):
    return getattr(client, method)(url, data, content_type=JSON)


# --- Labels ----------------------------------------------------------------------------------------------


def test_labels_listed_created_and_set_on_a_card(client, setup, colleague, make_workspace):
    ws, board, _first, _label, card, _reader = setup
    client.force_login(colleague)
    assert client.get(f"{API}/boards/{board.pk}/labels").json() == [{"id": _label.pk, "name": "Voirie"}]
    created = _call(client, "post", f"{API}/boards/{board.pk}/labels", {"name": "  Subvention   DSIL "})
    assert created.status_code == 201 and created.json()["name"] == "Subvention DSIL"
    again = _call(client, "post", f"{API}/boards/{board.pk}/labels", {"name": "Subvention DSIL"})
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    for name, words in (("x" * 10000, "40 caractères"), (" ", "Donnez un nom"), ("a\x00", "caractère nul")):
        response = _call(client, "post", f"{API}/boards/{board.pk}/labels", {"name": name})
        assert response.status_code == 400 and words in response.json()["detail"], name
    assert Label.objects.filter(board=board).count() == 2

    url = f"{API}/cards/{card.pk}/labels"
    other_board = Board.objects.get(workspace=make_workspace(name="Fibre des mairies"))
    actions.label_create(board=other_board, name="Fibre", actor=ws.lead)
    refused = _call(client, "put", url, {"version": card.version, "labels": ["Fibre"]})
    assert refused.status_code == 400 and "pas d'étiquette" in refused.json()["detail"]
    assert not card.labels.exists()
    done = _call(client, "put", url, {"version": card.version, "labels": ["Voirie", "Subvention DSIL"]})
    assert done.status_code == 200, done.content
    assert done.json()["labels"] == ["Subvention DSIL", "Voirie"]
    assert done.json()["version"] == card.version + 1
    # A stale version: 409 with the card as it is now, nothing overwritten.
    stale = _call(client, "put", url, {"version": card.version, "labels": []})
    assert stale.status_code == 409
    assert stale.json()["current"]["labels"] == ["Subvention DSIL", "Voirie"] and stale.json()["detail"]
    cleared = _call(client, "put", url, {"version": card.version + 1, "labels": []})
    assert cleared.status_code == 200 and cleared.json()["labels"] == []


# --- Archive and delete ----------------------------------------------------------------------------------


def test_archive_and_unarchive(client, setup, colleague):
    _ws, board, _first, _label, card, _reader = setup
    client.force_login(colleague)
    response = _call(client, "post", f"{API}/cards/{card.pk}/archive")
    assert response.status_code == 200 and response.json()["archived"] is True
    assert client.get(f"{API}/boards/{board.pk}").json()["columns"][0]["cards"] == []
    response = _call(client, "post", f"{API}/cards/{card.pk}/unarchive")
    assert response.status_code == 200 and response.json()["archived"] is False


def test_delete_is_for_responsables(client, setup, colleague, lead):
    _ws, _board, _first, _label, card, _reader = setup
    actions.comment_add(card=card, author=lead, text="À relire")
    client.force_login(colleague)  # a contributeur archives, does not delete
    missing = client.get(f"{API}/cards/999999").json()
    response = _call(client, "delete", f"{API}/cards/{card.pk}")
    assert response.status_code == 404 and response.json() == missing
    assert Card.objects.filter(pk=card.pk).exists()
    client.force_login(lead)
    assert _call(client, "delete", f"{API}/cards/{card.pk}").status_code == 204
    assert not Card.objects.filter(pk=card.pk).exists() and not Comment.objects.exists()
    assert _call(client, "delete", f"{API}/cards/{card.pk}").status_code == 404


def test_closed_project_refuses_archive_delete_and_columns(client, setup, lead):
    ws, board, first, _label, card, _reader = setup
    actions.workspace_close(workspace=ws, actor=lead)
    client.force_login(lead)
    assert _call(client, "post", f"{API}/cards/{card.pk}/archive").status_code == 404  # no edit right
    response = _call(client, "delete", f"{API}/cards/{card.pk}")
    assert response.status_code == 400 and "clos" in response.json()["detail"]
    response = _call(client, "patch", f"{API}/columns/{first.pk}", {"name": "Idées"})
    assert response.status_code == 400 and "clos" in response.json()["detail"]
    assert Card.objects.get(pk=card.pk).archived_at is None
    assert Column.objects.get(pk=first.pk).name == "À faire"


# --- Columns ---------------------------------------------------------------------------------------------


def test_columns_create_rename_reorder_delete(client, setup, colleague, lead):
    _ws, board, first, _label, _card, _reader = setup
    names = ["À faire", "En cours", "Terminé"]
    client.force_login(colleague)  # contributeur: adds a column (board page), manages none (edit page)
    created = _call(client, "post", f"{API}/boards/{board.pk}/columns", {"name": "Recette"})
    assert created.status_code == 201 and [c["name"] for c in created.json()] == [*names, "Recette"]
    recette = created.json()[-1]["id"]
    missing = client.get(f"{API}/cards/999999").json()
    for method, url, data in (
        ("patch", f"{API}/columns/{recette}", {"name": "Validation"}),
        ("post", f"{API}/columns/{recette}/move", {"position": 0}),
        ("delete", f"{API}/columns/{recette}", None),
        ("patch", f"{API}/columns/999999", {"name": "Validation"}),
    ):
        response = _call(client, method, url, data)
        assert response.status_code == 404 and response.json() == missing, (method, url)

    client.force_login(lead)
    long = _call(client, "patch", f"{API}/columns/{recette}", {"name": "x" * 10000})
    assert long.status_code == 400 and "80 caractères" in long.json()["detail"]
    renamed = _call(client, "patch", f"{API}/columns/{recette}", {"name": "Validation"})
    assert [c["name"] for c in renamed.json()] == [*names, "Validation"]
    moved = _call(client, "post", f"{API}/columns/{recette}/move", {"position": 1})
    assert [(c["name"], c["position"]) for c in moved.json()] == [
        ("À faire", 0),
        ("Validation", 1),
        ("En cours", 2),
        ("Terminé", 3),
    ]
    end = _call(client, "post", f"{API}/columns/{recette}/move", {"position": 1000})
    assert [c["name"] for c in end.json()][-1] == "Validation"
    full = _call(client, "delete", f"{API}/columns/{first.pk}")  # holds the card
    assert full.status_code == 400 and "contient des cartes" in full.json()["detail"]
    assert _call(client, "delete", f"{API}/columns/{recette}").status_code == 204
    assert list(board.columns.order_by("position").values_list("name", "position")) == [
        ("À faire", 0),
        ("En cours", 1),
        ("Terminé", 2),
    ]


def test_last_column_stays(client, setup, lead):
    ws, _board, _first, _label, _card, _reader = setup
    board = actions.board_create(workspace=ws, name="Petit", actor=lead, columns=["Seule"])
    client.force_login(lead)
    only = board.columns.get()
    response = _call(client, "delete", f"{API}/columns/{only.pk}")
    assert response.status_code == 400 and "au moins une colonne" in response.json()["detail"]
    assert board.columns.count() == 1


def test_outsider_of_a_private_project_gets_404_everywhere(client, make_workspace, outsider, lead):
    ws = make_workspace(name="Plan climat", visibility=Visibility.PRIVATE)
    board = Board.objects.get(workspace=ws)
    column = board.columns.first()
    card = actions.card_create(board=board, column=column, title="Diagnostic", actor=lead)
    client.force_login(outsider)
    for method, url, data in (
        ("get", f"{API}/boards/{board.pk}/labels", None),
        ("post", f"{API}/boards/{board.pk}/labels", {"name": "X"}),
        ("put", f"{API}/cards/{card.pk}/labels", {"version": card.version, "labels": []}),
        ("post", f"{API}/cards/{card.pk}/archive", None),
        ("post", f"{API}/cards/{card.pk}/unarchive", None),
        ("delete", f"{API}/cards/{card.pk}", None),
        ("post", f"{API}/boards/{board.pk}/columns", {"name": "X"}),
        ("patch", f"{API}/columns/{column.pk}", {"name": "X"}),
        ("post", f"{API}/columns/{column.pk}/move", {"position": 1}),
        ("delete", f"{API}/columns/{column.pk}", None),
    ):
        response = _call(client, method, url, data)
        assert response.status_code == 404 and response.json()["detail"] == "Introuvable.", (method, url)
    assert Card.objects.filter(pk=card.pk, archived_at__isnull=True).exists()


# --- The issue's « bad input » through the API -----------------------------------------------------------


def test_bad_input_is_refused_in_french_and_creates_nothing(client, setup, colleague, make_workspace):
    ws, board, first, _label, card, _reader = setup
    other = Board.objects.get(workspace=make_workspace(name="Fibre des mairies"))
    client.force_login(colleague)
    moved = _call(client, "post", f"{API}/cards/{card.pk}/move", {"column": other.columns.first().pk})
    assert moved.status_code == 400 and "autre tableau" in moved.json()["detail"]
    assert Card.objects.get(pk=card.pk).column_id == first.pk
    before = Card.objects.count()
    long = _call(client, "post", f"{API}/boards/{board.pk}/cards", {"column": first.pk, "title": "x" * 10000})
    assert long.status_code == 400 and "200 caractères" in long.json()["detail"]
    stranger = _call(
        client,
        "post",
        f"{API}/boards/{board.pk}/cards",
        {"column": first.pk, "title": "Carte", "assignees": ["olga.dehors"]},
    )
    assert stranger.status_code == 400 and "ne fait pas partie de l'équipe" in stranger.json()["detail"]
    assert Card.objects.count() == before


def test_markdown_with_html_and_javascript_is_stored_and_rendered_inert(client, setup, colleague):
    _ws, board, first, _label, _card, _reader = setup
    client.force_login(colleague)
    text = "<script>alert(1)</script> [lien](javascript:alert(2)) <img src=x onerror=alert(3)>"
    created = _call(
        client,
        "post",
        f"{API}/boards/{board.pk}/cards",
        {"column": first.pk, "title": "Carte", "description": text},
    )
    assert created.status_code == 201 and created.json()["description"] == text  # the API returns the source
    page = client.get(reverse("projects:card", args=[created.json()["id"]])).content.decode()
    i = page.find("<script>alert(1)")
    assert i < 0 and 'href="javascript:' not in page, page[max(0, i - 300) : i + 100]
    assert "<img src=x" not in page and "&lt;script&gt;" in page  # shown as text, never as markup
