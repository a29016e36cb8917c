"""The homeserver's process stops (SIGSTOP then SIGCONT; SIGKILL then a restart) while an agent leaves and a
burst of messages is posted: the running bridge catches up by itself, from the outbox. The leaver's Matrix
tokens are refused (M_UNKNOWN_TOKEN) and every message arrives once, in order.

The bridge runs as `manage.py matrix_bridge` runs it (`run_forever`), in this test's event loop so that it
shares the test's database connection (SQLite in-memory included).
"""

import asyncio
import time
import uuid

import pytest
import requests
from asgiref.sync import async_to_sync, sync_to_async

from chat.actions import message_post, salon_create
from chat.matrix import MatrixBridge, decrypt_token
from chat.models import MatrixAccount, Message
from chat.outbox import MATRIX_QUEUE
from intranet.outbox.models import OutboxItem

from .test_matrix_bridge import _drain, _mxid, _observer, _read_messages

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 15
OUTAGE_SECONDS = 4


@pytest.fixture
def quick_matrix(matrix_on, settings):
    """Requests to a silent homeserver give up after 2 s (then the outbox retries within seconds)."""
    settings.MATRIX_REQUEST_TIMEOUT = 2
    return matrix_on


def _element_token(synapse, mxid: str) -> str:
    """A session the agent opened themselves (what Element holds): a device of their own, from a password
    login (set here through the admin API; production logs in through the intranet's OIDC)."""

    async def bot():
        async with MatrixBridge() as bridge:
            return await bridge.bot_token()

    password = uuid.uuid4().hex
    requests.put(
        f"{synapse.url}/_synapse/admin/v2/users/{mxid}",
        headers={"Authorization": f"Bearer {async_to_sync(bot)()}"},
        json={"password": password, "logout_devices": False},
        timeout=10,
    ).raise_for_status()
    response = requests.post(
        f"{synapse.url}/_matrix/client/v3/login",
        json={
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": mxid},
            "password": password,
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def _whoami(synapse, token: str) -> dict:
    response = requests.get(
        f"{synapse.url}/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return {"status": response.status_code, **response.json()}


def _scenario(synapse, make_user, *, outage, recover):
    from intranet.people.leavers import user_deactivate

    suffix = uuid.uuid4().hex[:8]
    marie = make_user(f"marie.{suffix}", first_name="Marie", last_name="Dupont")
    leaver = make_user(f"leo.{suffix}", first_name="Léo", last_name="Part")
    salon = salon_create(name="Panne", creator=marie, members=[leaver])
    assert _drain() == (1, 0)  # the room exists, both agents joined
    tokens = [
        decrypt_token(MatrixAccount.objects.get(user=leaver).token_encrypted),
        _element_token(synapse, _mxid(leaver, synapse)),
    ]
    assert all(_whoami(synapse, t)["status"] == 200 for t in tokens)
    texts = [f"Pendant l'arrêt {i:02d}" for i in range(BURST)]

    async def run():
        stop = asyncio.Event()
        async with MatrixBridge() as bridge:
            loop = asyncio.ensure_future(bridge.run_forever(timeout_ms=1000, stop=stop))
            try:
                await asyncio.sleep(0.5)
                await asyncio.to_thread(outage)
                await sync_to_async(user_deactivate)(user=leaver, reason="ldap_absent")
                for text in texts:
                    await sync_to_async(message_post)(salon=salon, author=marie, text=text)
                    await asyncio.sleep(0.05)
                await asyncio.sleep(OUTAGE_SECONDS)
                # The bridge tried meanwhile and recorded why it failed.
                assert await sync_to_async(
                    OutboxItem.objects.filter(queue=MATRIX_QUEUE, done_at__isnull=True)
                    .exclude(last_error="")
                    .exists
                )()
                await asyncio.to_thread(recover)
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline:
                    waiting = await sync_to_async(
                        OutboxItem.objects.filter(queue=MATRIX_QUEUE, done_at__isnull=True).exists
                    )()
                    unsent = await sync_to_async(Message.objects.pending_outbound().exists)()
                    if not waiting and not unsent:
                        break
                    await asyncio.sleep(0.2)
                else:
                    rows = await sync_to_async(
                        lambda: list(OutboxItem.objects.filter(done_at__isnull=True).values())
                    )()
                    pytest.fail(f"The bridge did not catch up: {rows}")
                assert not loop.done(), loop
            finally:
                stop.set()
                await loop

    async_to_sync(run)()
    for token in tokens:
        answer = _whoami(synapse, token)
        assert answer["status"] == 401 and answer["errcode"] == "M_UNKNOWN_TOKEN", answer
    assert MatrixAccount.objects.get(user=leaver).deactivated
    salon.refresh_from_db()
    observer = _observer(synapse, salon.matrix_room_id)
    bodies = [e.body for e in _read_messages(synapse, observer, salon.matrix_room_id)]
    assert [b for b in bodies if b.startswith("Pendant")] == texts  # once each, in order


def test_homeserver_paused_then_resumed(quick_matrix, make_user):
    _scenario(quick_matrix, make_user, outage=quick_matrix.pause, recover=quick_matrix.resume)


def test_homeserver_killed_then_restarted(quick_matrix, make_user):
    _scenario(quick_matrix, make_user, outage=quick_matrix.kill, recover=quick_matrix.restart)
