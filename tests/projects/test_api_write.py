"""/api/v1/projects/ writes beyond edit and move: create a card, comment, tick a checklist item, assign
members. Same rules as the pages: 404 for whoever may not write (reader, outsider, missing alike), French
400 for an assignee outside the roster, a column or label of another board, a NUL or an overlong title;
409 with the current card on a stale assignment. Every refusal is followed by the valid request."""

import pytest

from intranet.notifications.models import Notification
from projects import actions
from projects.choices import MemberRole, Visibility
from projects.models import Board, Card, ChecklistItem, Comment

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
    first = board.columns.first()
    label = actions.label_create(board=board, name="Voirie", actor=ws.lead)
    card = actions.card_create(board=board, column=first, title="Étude", actor=ws.lead)
    return ws, board, first, label, card, reader


def _post(client, url, data):
    return client.post(url, data, content_type=JSON)


def test_create_card_with_assignees_and_labels(client, setup, colleague, lead):
    ws, board, first, label, _card, _reader = setup
    client.force_login(colleague)
    response = _post(
        client,
        f"{API}/boards/{board.pk}/cards",
        {"column": first.pk, "title": "Piste cyclable", "assignees": ["claire.lead"], "labels": ["Voirie"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["assignees"], body["labels"], body["column"]) == (
        "Piste cyclable",
        ["claire.lead"],
        ["Voirie"],
        first.pk,
    )
    assert body["position"] > Card.objects.get(title="Étude").position  # at the end of the column
    assert Notification.objects.filter(recipient=lead, verb="projects.assigned").count() == 1


@pytest.mark.parametrize(
    "change,words",
    [
        ({"assignees": ["olga.dehors"]}, "ne fait pas partie de l'équipe du projet"),
        ({"assignees": ["personne.inconnue"]}, "ne fait pas partie de l'équipe du projet"),
        ({"labels": ["Inconnue"]}, "pas d'étiquette"),
        ({"title": "x" * 10000}, "200 caractères"),
        ({"title": "   "}, "Donnez un titre"),
        ({"title": "a\x00b"}, "caractère nul"),
        ({"description": "\x00"}, "caractère nul"),
        ({"due_date": "2026-01-01", "start_date": "2026-02-01"}, "L'échéance doit suivre"),
        ({"column": 999999}, "Cette colonne n'existe pas"),
    ],
)
def test_create_card_refusals_are_french_and_create_nothing(
    client, setup, colleague, outsider, change, words
):
    _ws, board, first, _label, _card, _reader = setup
    client.force_login(colleague)
    url = f"{API}/boards/{board.pk}/cards"
    before = Card.objects.count()
    response = _post(client, url, {"column": first.pk, "title": "Carte", **change})
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert Card.objects.count() == before
    assert _post(client, url, {"column": first.pk, "title": "Carte"}).status_code == 201


def test_create_card_in_another_boards_column_is_refused(client, setup, colleague, make_workspace):
    _ws, board, first, _label, _card, _reader = setup
    other = Board.objects.get(workspace=make_workspace(name="Fibre des mairies"))
    client.force_login(colleague)
    url = f"{API}/boards/{board.pk}/cards"
    response = _post(client, url, {"column": other.columns.first().pk, "title": "Carte"})
    assert response.status_code == 400 and "autre tableau" in response.json()["detail"]
    assert _post(client, url, {"column": first.pk, "title": "Carte"}).status_code == 201


def test_readers_outsiders_and_missing_get_the_same_404(client, setup):
    ws, board, first, _label, card, reader = setup
    item = actions.checklist_add(card=card, text="Relevés", actor=ws.lead)
    writes = [
        ("post", f"{API}/boards/{board.pk}/cards", {"column": first.pk, "title": "Carte"}),
        ("post", f"{API}/cards/{card.pk}/checklist", {"text": "Point"}),
        ("patch", f"{API}/cards/{card.pk}/checklist/{item.pk}", {"done": True}),
        ("put", f"{API}/cards/{card.pk}/assignees", {"version": card.version, "assignees": []}),
    ]
    client.force_login(reader)  # the project is open: the reader may read, not write
    missing = client.get(f"{API}/cards/999999").json()
    assert client.get(f"{API}/cards/{card.pk}").status_code == 200
    for method, url, data in writes:
        response = getattr(client, method)(url, data, content_type=JSON)
        assert response.status_code == 404 and response.json() == missing, (method, url)
    assert ChecklistItem.objects.get(pk=item.pk).done is False
    assert Card.objects.filter(board=board).count() == 1


def test_comments_members_only(client, setup, outsider, lead):
    _ws, _board, _first, _label, card, reader = setup
    url = f"{API}/cards/{card.pk}/comments"
    client.force_login(outsider)  # reads the open project, is not in the team
    assert client.get(url).json() == []
    assert _post(client, url, {"text": "Bonjour"}).status_code == 404
    client.force_login(reader)
    for text, words in (
        ("  ", "Écrivez votre commentaire"),
        ("x" * 5001, "5 000"),
        ("\x00", "caractère nul"),
    ):
        response = _post(client, url, {"text": text})
        assert response.status_code == 400 and words in response.json()["detail"]
    response = _post(client, url, {"text": "Relevé fait, @claire.lead à toi"})
    assert response.status_code == 201 and response.json()["author"] == "rita.lectrice"
    assert [c["text"] for c in client.get(url).json()] == ["Relevé fait, @claire.lead à toi"]
    assert Notification.objects.filter(recipient=lead, verb="projects.mention").count() == 1
    assert Comment.objects.count() == 1


def test_checklist_add_and_tick(client, setup, colleague, make_workspace):
    ws, board, first, _label, card, _reader = setup
    client.force_login(colleague)
    url = f"{API}/cards/{card.pk}/checklist"
    assert _post(client, url, {"text": " "}).status_code == 400
    item = _post(client, url, {"text": "Relevés de terrain"})
    assert item.status_code == 201 and item.json()["done"] is False
    item_id = item.json()["id"]
    ticked = client.patch(f"{url}/{item_id}", {"done": True}, content_type=JSON)
    assert ticked.status_code == 200 and ticked.json()["done"] is True
    assert client.get(f"{API}/cards/{card.pk}").json()["checklist"] == [
        {"id": item_id, "text": "Relevés de terrain", "done": True, "position": ticked.json()["position"]}
    ]
    # An item of another card, through this card's address: 404.
    other = actions.card_create(board=board, column=first, title="Autre", actor=ws.lead)
    foreign = actions.checklist_add(card=other, text="Ailleurs", actor=ws.lead)
    assert client.patch(f"{url}/{foreign.pk}", {"done": True}, content_type=JSON).status_code == 404
    assert ChecklistItem.objects.get(pk=foreign.pk).done is False


def test_assign_members_with_version(client, setup, colleague, lead, outsider):
    _ws, _board, _first, _label, card, reader = setup
    client.force_login(colleague)
    url = f"{API}/cards/{card.pk}/assignees"
    refused = client.put(url, {"version": 1, "assignees": ["olga.dehors"]}, content_type=JSON)
    assert refused.status_code == 400
    assert "« olga.dehors » ne fait pas partie de l'équipe du projet" in refused.json()["detail"]
    ok = client.put(url, {"version": 1, "assignees": ["rita.lectrice", "claire.lead"]}, content_type=JSON)
    assert ok.status_code == 200 and ok.json()["assignees"] == ["claire.lead", "rita.lectrice"]
    assert ok.json()["version"] == 2 and ok.json()["title"] == "Étude"
    assert Notification.objects.filter(recipient=reader, verb="projects.assigned").count() == 1
    huge = client.put(url, {"version": 2**63, "assignees": []}, content_type=JSON)
    assert huge.status_code == 422 and "version" in huge.content.decode()
    stale = client.put(url, {"version": 1, "assignees": []}, content_type=JSON)
    assert stale.status_code == 409 and stale.json()["current"]["assignees"] == [
        "claire.lead",
        "rita.lectrice",
    ]
    cleared = client.put(url, {"version": 2, "assignees": []}, content_type=JSON)
    assert cleared.status_code == 200 and cleared.json()["assignees"] == []


def test_closed_project_refuses_writes(client, setup, lead):
    ws, board, first, _label, card, _reader = setup
    actions.workspace_close(workspace=ws, actor=lead)
    client.force_login(lead)
    response = _post(client, f"{API}/boards/{board.pk}/cards", {"column": first.pk, "title": "Carte"})
    assert response.status_code == 404  # « edit » is off on a closed project, for the lead too
    comment = _post(client, f"{API}/cards/{card.pk}/comments", {"text": "Bonjour"})
    assert comment.status_code == 404
    actions.workspace_reopen(workspace=ws, actor=lead)
    assert _post(client, f"{API}/cards/{card.pk}/comments", {"text": "Bonjour"}).status_code == 201
