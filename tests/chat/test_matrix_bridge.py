"""The Matrix bridge against a real Synapse (installed from PyPI in its own venv, started by the tests).

Each test uses its own agents (unique usernames) since the homeserver lives for the whole session.
"""

import asyncio
import logging
import uuid

import pytest
import requests
from asgiref.sync import async_to_sync
from nio import AsyncClient, RoomMessagesResponse, RoomMessageText

from chat.actions import membership_add, message_post, salon_create
from chat.matrix import MatrixBridge, localpart_for
from chat.models import MatrixAccount, Message, Salon
from chat.outbox import MATRIX_QUEUE
from intranet.outbox.actions import outbox_retry_now
from intranet.outbox.models import OutboxItem
from intranet.outbox.worker import run_due_async

pytestmark = pytest.mark.django_db(transaction=True)


def _unique(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def duo(make_user):
    marie = make_user(_unique("marie"), first_name="Marie", last_name="Dupont")
    paul = make_user(_unique("paul"), first_name="Paul", last_name="Dewitte")
    return marie, paul


def _bridge(method, *args, **kwargs):
    async def go():
        async with MatrixBridge() as bridge:
            return await getattr(bridge, method)(*args, **kwargs)

    return async_to_sync(go)()


def _drain() -> tuple[int, int]:
    """What `matrix_bridge` does in its loop: perform the due Matrix rows of the outbox until none is due
    (a failing row is rescheduled by the outbox, so this ends)."""

    async def go():
        totals = [0, 0]
        async with MatrixBridge() as bridge:
            while True:
                done, failed = await run_due_async(queue=MATRIX_QUEUE, bridge=bridge)
                if not done and not failed:
                    return tuple(totals)
                totals[0] += done
                totals[1] += failed

    return async_to_sync(go)()


def _mxid(user, synapse) -> str:
    return f"@{localpart_for(user.username)}:{synapse.server_name}"


def _observer(synapse, room_id: str) -> dict:
    """A plain Matrix user outside the intranet, invited by the bridge bot into the room."""
    name = f"observer-{uuid.uuid4().hex[:8]}"
    account = synapse.register(name, "pw-observer-123")

    async def invite():
        async with MatrixBridge() as bridge:
            await bridge.request(
                "POST",
                f"/_matrix/client/v3/rooms/{room_id}/invite",
                token=await bridge.bot_token(),
                json={"user_id": account["user_id"]},
            )

    async_to_sync(invite)()
    joined = requests.post(
        f"{synapse.url}/_matrix/client/v3/join/{room_id}",
        headers={"Authorization": f"Bearer {account['access_token']}"},
        json={},
        timeout=10,
    )
    assert joined.status_code == 200, joined.text
    return account


def _read_messages(synapse, account: dict, room_id: str, limit: int = 200) -> list:
    """The room's text messages, oldest first, read with a separate matrix-nio client."""

    async def read():
        client = AsyncClient(synapse.url, account["user_id"])
        client.restore_login(account["user_id"], account["device_id"], account["access_token"])
        try:
            response = await client.room_messages(room_id, start="", limit=limit)
            assert isinstance(response, RoomMessagesResponse), response
            return [e for e in reversed(response.chunk) if isinstance(e, RoomMessageText)]
        finally:
            await client.close()

    return async_to_sync(read)()


def test_agents_are_provisioned_with_their_name_and_a_server_side_token(matrix_on, duo):
    marie, _paul = duo
    user_id, token = _bridge("ensure_account", marie)
    assert user_id == _mxid(marie, matrix_on)
    who = requests.get(
        f"{matrix_on.url}/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert who.json()["user_id"] == user_id
    profile = requests.get(f"{matrix_on.url}/_matrix/client/v3/profile/{user_id}", timeout=10).json()
    assert profile["displayname"] == "Marie Dupont"
    account = MatrixAccount.objects.get(user=marie)
    assert token not in account.token_encrypted  # encrypted at rest
    # Idempotent: a second call reuses the stored token, no new account.
    assert _bridge("ensure_account", marie) == (user_id, token)


def test_salon_room_is_created_on_demand_with_members_joined(matrix_on, duo):
    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    salon.refresh_from_db()
    assert not salon.matrix_room_id  # the web request did not talk to Synapse: an outbox row did it
    assert OutboxItem.objects.filter(kind="chat.matrix.room", payload={"salon_id": salon.pk}).exists()
    _drain()
    salon.refresh_from_db()
    assert salon.matrix_room_id
    bot_view = _bridge("sync_members", salon.pk)
    assert bot_view["kicked"] == 0
    members = _joined_members(salon.matrix_room_id)
    assert {_mxid(marie, matrix_on), _mxid(paul, matrix_on)} <= members


def _joined_members(room_id: str) -> set:
    async def go():
        async with MatrixBridge() as bridge:
            body = await bridge.request(
                "GET", f"/_matrix/client/v3/rooms/{room_id}/joined_members", token=await bridge.bot_token()
            )
            return set(body["joined"])

    return async_to_sync(go)()


def test_web_message_appears_in_matrix_as_sent_by_its_author(matrix_on, duo):
    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    message = message_post(salon=salon, author=marie, text="Réunion **jeudi** à 10 h")
    _drain()
    message.refresh_from_db()
    assert message.matrix_event_id
    salon.refresh_from_db()
    observer = _observer(matrix_on, salon.matrix_room_id)
    events = _read_messages(matrix_on, observer, salon.matrix_room_id)
    mine = [e for e in events if e.event_id == message.matrix_event_id]
    assert len(mine) == 1
    assert mine[0].sender == _mxid(marie, matrix_on) and mine[0].body == "Réunion **jeudi** à 10 h"
    assert mine[0].formatted_body == "<p>Réunion <strong>jeudi</strong> à 10 h</p>"


def test_retry_with_the_same_transaction_id_does_not_duplicate(matrix_on, duo):
    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    message = message_post(salon=salon, author=marie, text="Une seule fois")
    _drain()
    message.refresh_from_db()
    first_event = message.matrix_event_id
    # As if the answer had been lost: the message looks unsent, the bridge sends it again.
    Message.objects.filter(pk=message.pk).update(matrix_event_id=None)
    assert _bridge("send_pending", salon.pk) == 1
    message.refresh_from_db()
    assert message.matrix_event_id == first_event
    salon.refresh_from_db()
    observer = _observer(matrix_on, salon.matrix_room_id)
    bodies = [e.body for e in _read_messages(matrix_on, observer, salon.matrix_room_id)]
    assert bodies.count("Une seule fois") == 1


def test_message_from_matrix_is_stored_once_and_pushed_live(matrix_on, duo, live_layer):
    from channels.layers import get_channel_layer

    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    _drain()
    salon.refresh_from_db()
    _bridge("sync_once")  # start from now
    # Paul writes from Element: a separate session of his Matrix account.
    user_id, _token = _bridge("ensure_account", paul)
    element = requests.post(
        f"{matrix_on.url}/_synapse/admin/v1/users/{user_id}/login",
        headers={"Authorization": f"Bearer {_bot_token()}"},
        json={},
        timeout=10,
    ).json()["access_token"]
    sent = requests.put(
        f"{matrix_on.url}/_matrix/client/v3/rooms/{salon.matrix_room_id}/send/m.room.message/{uuid.uuid4().hex}",
        headers={"Authorization": f"Bearer {element}"},
        json={"msgtype": "m.text", "body": "Écrit depuis Element"},
        timeout=10,
    ).json()

    async def sync_and_listen():
        # One event loop for the listener and the bridge: the pub/sub layer's channels live in their loop.
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(f"chat.salon.{salon.pk}", channel)
        async with MatrixBridge() as bridge:
            stored = await bridge.sync_once()
        return stored, await asyncio.wait_for(layer.receive(channel), 5)

    count, pushed = async_to_sync(sync_and_listen)()
    assert count == 1
    stored = Message.objects.get(matrix_event_id=sent["event_id"])
    assert stored.author == paul and stored.text == "Écrit depuis Element" and stored.source == "matrix"
    assert '"Écrit depuis Element"' in pushed["text"] and '"author":"Paul Dewitte"' in pushed["text"]
    # Another sync, and a restart that lost its sync token: still one message.
    _bridge("sync_once")
    from chat.models import BridgeState

    BridgeState.objects.filter(key="sync_token").delete()
    _bridge("sync_once")
    assert Message.objects.filter(text="Écrit depuis Element").count() == 1


def _bot_token() -> str:
    async def go():
        async with MatrixBridge() as bridge:
            return await bridge.bot_token()

    return async_to_sync(go)()


def test_our_own_echo_is_ignored(matrix_on, duo):
    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    message_post(salon=salon, author=marie, text="Pas de boucle")
    _drain()
    # Even from scratch (no sync token), the bridge sees its own message come back and skips it.
    from chat.models import BridgeState

    BridgeState.objects.filter(key="sync_token").delete()
    _bridge("sync_once")
    assert Message.objects.filter(text="Pas de boucle").count() == 1
    assert Message.objects.count() == 1


def test_homeserver_down_web_chat_works_and_messages_go_out_in_order_once(matrix_on, duo, settings):
    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    settings.MATRIX_HOMESERVER_URL = "http://127.0.0.1:9"  # nothing listens there
    texts = [f"Pendant la panne {i}" for i in range(5)]
    for text in texts:
        message_post(salon=salon, author=marie if text.endswith(("0", "2", "4")) else paul, text=text)
    assert Message.objects.pending_outbound().count() == 5  # stored, shown on the web, waiting for Matrix
    assert _drain() == (0, 2)  # the room, then the messages: both failed, recorded, rescheduled
    failing = OutboxItem.objects.filter(done_at__isnull=True)
    assert failing.count() == 2 and all("ConnectError" in i.last_error for i in failing)
    settings.MATRIX_HOMESERVER_URL = matrix_on.url
    outbox_retry_now(ids=failing.values_list("pk", flat=True))
    assert _drain() == (2, 0)
    assert not Message.objects.pending_outbound().exists()
    salon.refresh_from_db()
    observer = _observer(matrix_on, salon.matrix_room_id)
    events = [
        e for e in _read_messages(matrix_on, observer, salon.matrix_room_id) if e.body.startswith("Pendant")
    ]
    assert [e.body for e in events] == texts
    assert events[1].sender == _mxid(paul, matrix_on)


def test_deactivated_agent_is_deactivated_on_matrix_and_leaves_the_rooms(matrix_on, duo):
    from intranet.people.leavers import user_deactivate

    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    _drain()
    salon.refresh_from_db()
    assert _mxid(paul, matrix_on) in _joined_members(salon.matrix_room_id)
    user_deactivate(user=paul, reason="ldap_absent")
    _drain()
    assert _mxid(paul, matrix_on) not in _joined_members(salon.matrix_room_id)
    admin = requests.get(
        f"{matrix_on.url}/_synapse/admin/v2/users/{_mxid(paul, matrix_on)}",
        headers={"Authorization": f"Bearer {_bot_token()}"},
        timeout=10,
    ).json()
    assert admin["deactivated"] is True
    assert MatrixAccount.objects.get(user=paul).deactivated


def test_removed_member_is_kicked_from_the_room(matrix_on, duo, make_user):
    from chat.actions import membership_remove

    marie, paul = duo
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    newcomer = make_user(_unique("jeanne"), first_name="Jeanne", last_name="Verstraete")
    membership_add(salon=salon, user=newcomer, actor=marie)
    _drain()
    salon.refresh_from_db()
    assert _mxid(newcomer, matrix_on) in _joined_members(salon.matrix_room_id)
    membership_remove(salon=salon, user=newcomer, actor=marie)
    _drain()
    assert _mxid(newcomer, matrix_on) not in _joined_members(salon.matrix_room_id)


def test_bridge_off_without_settings(settings, duo):
    from django.core.exceptions import ImproperlyConfigured

    settings.MATRIX_HOMESERVER_URL = ""
    marie, paul = duo
    salon = salon_create(name="Local", creator=marie, members=[paul])
    message_post(salon=salon, author=marie, text="Sans Matrix")
    assert Salon.objects.get(pk=salon.pk).matrix_room_id is None
    assert not OutboxItem.objects.exists()  # nothing queued while off; turning it on reconciles
    with pytest.raises(ImproperlyConfigured):
        MatrixBridge()


@pytest.fixture(scope="module")
def strict_synapse():
    """A second homeserver with a tight message rate limit (2 per second, burst 3)."""
    from .synapse import Synapse

    server = Synapse(rc_message={"per_second": 4, "burst_count": 3}).start()
    yield server
    server.cleanup()


def test_burst_of_50_under_a_strict_rate_limit_arrives_once_and_in_order(
    settings, strict_synapse, duo, caplog
):
    settings.MATRIX_HOMESERVER_URL = ""  # post while the bridge is off, then flush the queue in one go
    marie, paul = duo
    salon = salon_create(name="Rafale", creator=marie, members=[paul])
    texts = [f"Rafale {i:02d}" for i in range(50)]
    for text in texts:
        message_post(salon=salon, author=marie, text=text)
    settings.MATRIX_HOMESERVER_URL = strict_synapse.url
    settings.MATRIX_SERVER_NAME = strict_synapse.server_name
    settings.MATRIX_REGISTRATION_SHARED_SECRET = strict_synapse.shared_secret
    settings.MATRIX_OVERRIDE_RATELIMIT = False
    with caplog.at_level(logging.INFO):
        assert _bridge("send_all_pending") == 50
    # Synapse did answer 429 (matrix-nio waited retry_after_ms and resent with the same transaction id).
    assert any("429" in r.getMessage() or "rate limit" in r.getMessage() for r in caplog.records)
    salon.refresh_from_db()
    observer = _observer(strict_synapse, salon.matrix_room_id)
    events = [
        e
        for e in _read_messages(strict_synapse, observer, salon.matrix_room_id)
        if e.body.startswith("Rafale")
    ]
    assert [e.body for e in events] == texts
    assert {e.sender for e in events} == {_mxid(marie, strict_synapse)}
    assert not Message.objects.pending_outbound().exists()
