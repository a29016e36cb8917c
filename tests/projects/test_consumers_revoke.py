"""The board socket of an agent who leaves the team closes at once, and a private project's board refuses
their reconnection; a disabled account's board socket closes too. Real sockets over the configured layer."""

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
def private_board(make_workspace, colleague, make_user):
    from projects.choices import MemberRole, Visibility
    from projects.models import Board

    stayer = make_user("sam.reste")
    ws = make_workspace(
        visibility=Visibility.PRIVATE,
        members={colleague: MemberRole.CONTRIBUTOR, stayer: MemberRole.READER},
    )
    other = make_workspace(name="Autre projet", members={colleague: MemberRole.READER})
    return ws, Board.objects.get(workspace=ws), Board.objects.get(workspace=other), stayer


async def test_removed_member_socket_closes_and_cannot_reconnect(live_layer, private_board, lead, colleague):
    from projects import actions

    ws, board, other_board, stayer = private_board
    leaving = await _communicator(colleague, board.pk)
    assert (await leaving.connect())[0]
    elsewhere = await _communicator(colleague, other_board.pk)  # the same agent on another project's board
    assert (await elsewhere.connect())[0]
    staying = await _communicator(stayer, board.pk)
    assert (await staying.connect())[0]

    await sync_to_async(actions.member_remove)(workspace=ws, user=colleague, actor=lead)

    closed = await leaving.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}
    again = await _communicator(colleague, board.pk)
    assert await again.connect() == (False, 4403)
    # Control: the teammate who stays and the leaver's board of another project still receive moves.
    first, second = await sync_to_async(lambda: list(board.columns.all())[:2])()
    card = await sync_to_async(actions.card_create)(board=board, column=first, title="Carte", actor=lead)
    await sync_to_async(actions.card_move)(card=card, column=second, position=0, actor=lead)
    assert (await staying.receive_json_from(timeout=5))["card"] == card.pk
    assert await elsewhere.receive_nothing(timeout=0.2)
    await staying.disconnect()
    await elsewhere.disconnect()


async def test_disabled_account_socket_closes(live_layer, private_board, colleague):
    from intranet.people.leavers import user_deactivate

    ws, board, _other, _stayer = private_board
    watcher = await _communicator(colleague, board.pk)
    assert (await watcher.connect())[0]
    await sync_to_async(user_deactivate)(user=colleague, reason="manual", actor=None)
    closed = await watcher.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    again = await _communicator(colleague, board.pk)
    assert (await again.connect())[0] is False


def _edit_visibility(ws, visibility, actor):
    from projects import editing

    return editing.workspace_edit(
        workspace=ws,
        actor=actor,
        name=ws.name,
        description=ws.description,
        sponsor=ws.sponsor,
        lead=ws.lead,
        start_date=ws.start_date,
        end_date=ws.end_date,
        status=ws.status,
        visibility=visibility,
        join_policy=ws.join_policy,
    )


@pytest.mark.parametrize("narrow", ["private", "secret"])
async def test_outsiders_sockets_close_when_the_project_turns_private(
    live_layer, make_workspace, lead, colleague, outsider, narrow
):
    """An open project made private or secret: the open board pages of agents outside the team close before
    any later move reaches them; the team's pages stay open and keep receiving moves."""
    from projects import actions
    from projects.choices import MemberRole, Visibility
    from projects.models import Board

    ws = await sync_to_async(make_workspace)(
        visibility=Visibility.OPEN, members={colleague: MemberRole.READER}
    )
    board = await sync_to_async(Board.objects.get)(workspace=ws)
    stranger = await _communicator(outsider, board.pk)
    assert (await stranger.connect())[0]  # an open project: every agent reads its boards
    member = await _communicator(colleague, board.pk)
    assert (await member.connect())[0]
    first, second = await sync_to_async(lambda: list(board.columns.all())[:2])()
    card = await sync_to_async(actions.card_create)(board=board, column=first, title="Carte", actor=lead)

    await sync_to_async(_edit_visibility)(ws, narrow, lead)
    await sync_to_async(actions.card_move)(card=card, column=second, position=0, actor=lead)

    # The outsider's socket closes and receives nothing of the move first.
    assert await stranger.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    assert (await member.receive_json_from(timeout=5))["card"] == card.pk
    again = await _communicator(outsider, board.pk)
    assert await again.connect() == (False, 4403)
    await member.disconnect()


async def test_sockets_stay_open_when_the_project_opens(live_layer, private_board, lead, colleague):
    """Widening (private → open) closes nobody: the recheck finds every open page still allowed."""
    from projects import actions

    ws, board, _other, _stayer = private_board
    member = await _communicator(colleague, board.pk)
    assert (await member.connect())[0]
    await sync_to_async(_edit_visibility)(ws, "open", lead)
    first, second = await sync_to_async(lambda: list(board.columns.all())[:2])()
    card = await sync_to_async(actions.card_create)(board=board, column=first, title="Carte", actor=lead)
    await sync_to_async(actions.card_move)(card=card, column=second, position=0, actor=lead)
    assert (await member.receive_json_from(timeout=5))["card"] == card.pk
    await member.disconnect()
