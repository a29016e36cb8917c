"""The board socket: a member's open page receives a move in the server's order; an outsider of a secret
project cannot open the socket at all."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from intranet.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_layer():
    """The configured layer: Redis in the PostgreSQL pass (REDIS_URL), in-memory in the SQLite pass."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def _communicator(user, board_id):
    from django.test import Client

    client = Client()
    await sync_to_async(client.force_login)(user)
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, f"/ws/projets/tableaux/{board_id}/", headers=headers)


@pytest.fixture
def setup(make_workspace, colleague):
    from projects import actions
    from projects.choices import MemberRole, Visibility
    from projects.models import Board

    ws = make_workspace(visibility=Visibility.SECRET, members={colleague: MemberRole.READER})
    board = Board.objects.get(workspace=ws)
    first, second = list(board.columns.all())[:2]
    cards = [actions.card_create(board=board, column=first, title=f"C{i}", actor=ws.lead) for i in range(3)]
    return ws, board, second, cards


async def test_a_move_reaches_an_open_board_page(live_layer, setup, lead, colleague):
    from projects import actions

    ws, board, second, cards = setup
    watcher = await _communicator(colleague, board.pk)  # a reader watches
    connected, _code = await watcher.connect()
    assert connected
    await sync_to_async(actions.card_move)(card=cards[1], column=second, position=0, actor=lead)
    event = await watcher.receive_json_from(timeout=5)
    assert event == {"type": "move", "card": cards[1].pk, "column": second.pk, "order": [cards[1].pk]}
    await watcher.disconnect()


async def test_outsider_cannot_open_a_secret_board_socket(live_layer, setup, outsider, colleague):
    ws, board, second, cards = setup
    communicator = await _communicator(outsider, board.pk)
    connected, code = await communicator.connect()
    assert not connected and code == 4403
    control = await _communicator(colleague, board.pk)
    assert (await control.connect())[0]
    await control.disconnect()


async def test_a_move_over_the_socket_is_made_and_reaches_every_open_page(live_layer, setup, lead, colleague):
    """The page's drag and drop sends its move over the socket: the sender gets its answer, every open page
    (the sender's included) the column's new order; another board's column is refused in French."""
    from projects.models import Card, Column

    ws, board, second, cards = setup
    mover = await _communicator(lead, board.pk)
    watcher = await _communicator(colleague, board.pk)
    assert (await mover.connect())[0] and (await watcher.connect())[0]
    move = {"type": "move", "ref": "a", "card": cards[2].pk, "column": second.pk, "position": 0}
    await mover.send_json_to(move)
    event = {"type": "move", "card": cards[2].pk, "column": second.pk, "order": [cards[2].pk]}
    assert await watcher.receive_json_from(timeout=5) == event
    got = [await mover.receive_json_from(timeout=5) for _ in range(2)]
    assert {"type": "moved", "ref": "a", "card": cards[2].pk, "column": second.pk} in got and event in got
    assert (await sync_to_async(Card.objects.get)(pk=cards[2].pk)).column_id == second.pk

    other = await sync_to_async(lambda: Column.objects.exclude(board=board).first())()
    elsewhere = other.pk if other else 10**6
    bad = [
        {"type": "move", "ref": "b", "card": cards[0].pk, "column": elsewhere, "position": 0},
        {"type": "move", "ref": "c", "card": cards[0].pk, "column": second.pk, "position": -1},
        {"type": "move", "ref": "d", "card": "1; DROP", "column": second.pk, "position": 0},
    ]
    for command in bad:
        await mover.send_json_to(command)
        answer = await mover.receive_json_from(timeout=5)
        assert answer["type"] == "error" and answer["ref"] == command["ref"] and answer["message"]
    assert await watcher.receive_nothing(timeout=0.3)
    await mover.disconnect()
    await watcher.disconnect()
