"""/api/v1/projects/: the same permission functions as the pages; 404 for forbidden and missing alike; 409
with the current text on a stale edit; moves validated; a reader can neither move nor edit (API, socket)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from intranet.asgi import application
from projects import actions
from projects.choices import MemberRole, Visibility
from projects.models import Board, Card

API = "/api/v1/projects"


@pytest.fixture
def setup(make_workspace, colleague, make_user):
    reader = make_user("rita.lectrice")
    ws = make_workspace(
        visibility=Visibility.SECRET, members={colleague: MemberRole.CONTRIBUTOR, reader: MemberRole.READER}
    )
    board = Board.objects.get(workspace=ws)
    first, second = list(board.columns.all())[:2]
    cards = [actions.card_create(board=board, column=first, title=f"C{i}", actor=ws.lead) for i in range(3)]
    return ws, board, first, second, cards, reader


@pytest.mark.django_db
def test_read_endpoints_and_404_for_outsiders(client, setup, colleague, outsider):
    ws, board, first, second, cards, reader = setup
    client.force_login(colleague)
    assert [w["name"] for w in client.get(f"{API}/workspaces").json()] == [ws.name]
    detail = client.get(f"{API}/workspaces/{ws.pk}").json()
    assert detail["role"] == "contributor" and detail["boards"] == [{"id": board.pk, "name": board.name}]
    data = client.get(f"{API}/boards/{board.pk}").json()
    assert [c["title"] for c in data["columns"][0]["cards"]] == ["C0", "C1", "C2"]
    assert client.get(f"{API}/cards/{cards[0].pk}").json()["version"] == 1
    client.force_login(outsider)
    assert client.get(f"{API}/workspaces").json() == []
    missing = client.get(f"{API}/cards/999999")
    for url in (f"{API}/workspaces/{ws.pk}", f"{API}/boards/{board.pk}", f"{API}/cards/{cards[0].pk}"):
        response = client.get(url)
        assert response.status_code == 404 and response.json() == missing.json(), url
    move = client.post(
        f"{API}/cards/{cards[0].pk}/move",
        {"column": second.pk, "position": 0},
        content_type="application/json",
    )
    assert move.status_code == 404


@pytest.mark.django_db
def test_stale_edit_is_409_with_the_current_text(client, setup, colleague, lead):
    _ws, _board, _first, _second, cards, _reader = setup
    client.force_login(colleague)
    url = f"{API}/cards/{cards[0].pk}"
    first = client.patch(url, {"version": 1, "title": "Titre de Paul"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.patch(url, {"version": 1, "title": "Titre de Claire"}, content_type="application/json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["current"]["title"] == "Titre de Paul" and body["current"]["version"] == 2
    assert "modifiée par quelqu'un d'autre" in body["detail"]
    assert Card.objects.get(pk=cards[0].pk).title == "Titre de Paul"
    too_long = client.patch(url, {"version": 2, "title": "x" * 10000}, content_type="application/json")
    assert too_long.status_code == 400 and "200" in too_long.json()["detail"]


@pytest.mark.django_db
def test_moves_are_validated(client, setup, colleague, make_workspace):
    ws, board, first, second, cards, _reader = setup
    other_board = Board.objects.get(workspace=make_workspace(name="Autre"))
    client.force_login(colleague)
    url = f"{API}/cards/{cards[2].pk}/move"
    ok = client.post(url, {"column": second.pk, "position": 0}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["column"] == second.pk
    foreign = client.post(
        url, {"column": other_board.columns.first().pk, "position": 0}, content_type="application/json"
    )
    assert foreign.status_code == 400
    assert foreign.json()["detail"] == "Cette colonne appartient à un autre tableau."
    assert client.post(url, {"column": 999999}, content_type="application/json").status_code == 400
    bad = client.post(url, {"column": "abc"}, content_type="application/json")
    assert bad.status_code == 422 and "column" in bad.json()["detail"]
    assert Card.objects.get(pk=cards[2].pk).column_id == second.pk


@pytest.mark.django_db
def test_a_reader_can_neither_move_nor_edit_through_the_api(client, setup):
    _ws, _board, first, second, cards, reader = setup
    client.force_login(reader)
    assert client.get(f"{API}/cards/{cards[0].pk}").status_code == 200  # reading is allowed
    move = client.post(
        f"{API}/cards/{cards[0].pk}/move",
        {"column": second.pk, "position": 0},
        content_type="application/json",
    )
    edit = client.patch(
        f"{API}/cards/{cards[0].pk}", {"version": 1, "title": "Piraté"}, content_type="application/json"
    )
    assert move.status_code == 404 and edit.status_code == 404
    card = Card.objects.get(pk=cards[0].pk)
    assert card.column_id == first.pk and card.title == "C0"


@pytest.mark.django_db(transaction=True)
async def test_a_reader_cannot_move_through_the_websocket(setup):
    from django.test import Client

    _ws, board, first, second, cards, reader = await sync_to_async(lambda: setup)()
    client = Client()
    await sync_to_async(client.force_login)(reader)
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    socket = WebsocketCommunicator(application, f"/ws/projets/tableaux/{board.pk}/", headers=headers)
    connected, _code = await socket.connect()
    assert connected  # a reader may watch
    await socket.send_json_to(
        {"type": "move", "ref": "1", "card": cards[0].pk, "column": second.pk, "position": 0}
    )
    answer = await socket.receive_json_from(timeout=5)
    assert answer == {"type": "error", "ref": "1", "message": "Vous ne pouvez pas déplacer cette carte."}
    assert await socket.receive_nothing(timeout=0.3)  # and no move reached the board
    await socket.disconnect()
    card = await sync_to_async(Card.objects.get)(pk=cards[0].pk)
    assert card.column_id == first.pk
