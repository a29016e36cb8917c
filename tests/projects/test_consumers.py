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
