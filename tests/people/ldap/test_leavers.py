"""`users_deactivate`: a leaver loses sessions, tokens and open websockets at once; other apps hear of it."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections

from intranet.asgi import application
from intranet.people.leavers import user_deactivate
from intranet.people.models import UserSession

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_layer():
    """The configured layer: Redis in the PostgreSQL pass (REDIS_URL), in-memory in the SQLite pass."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _socket(client):
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


async def test_deactivation_closes_the_open_websocket_and_refuses_a_new_one(live_layer, client, make_user):
    """The leaver's open page is disconnected at once, and cannot reconnect."""
    leaver = await sync_to_async(make_user)("lea.depart")
    colleague = await sync_to_async(make_user)("paul.reste")
    await sync_to_async(client.force_login)(leaver)
    socket = _socket(client)
    assert (await socket.connect())[0]
    await database_sync_to_async(user_deactivate)(user=colleague, reason="manual")
    assert await socket.receive_nothing(timeout=0.3)  # someone else's deactivation leaves it open
    await database_sync_to_async(user_deactivate)(user=leaver, reason="manual")
    output = await socket.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4401}
    again = _socket(client)
    connected, _ = await again.connect()
    assert not connected
    await socket.wait()
    await again.wait()
    # The executor thread that ran the ORM calls keeps its connection; close it so the test DB can drop.
    await sync_to_async(connections.close_all)()


def test_login_is_tracked_and_deactivation_ends_every_session(client, make_user):
    """Each login records its session key; deactivation deletes them all, on every device."""
    from django.test import Client

    agent = make_user("marie.leaves")
    other_device = Client()
    client.force_login(agent)
    other_device.force_login(agent)
    assert UserSession.objects.filter(user=agent).count() == 2
    assert client.get("/notifications/").status_code == 200
    user_deactivate(user=agent, reason="manual")
    assert not UserSession.objects.filter(user=agent).exists()
    for browser in (client, other_device):
        response = browser.get("/notifications/")
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_logout_forgets_the_session_key(client, make_user):
    agent = make_user("marie.out")
    client.force_login(agent)
    client.post("/deconnexion/")
    assert not UserSession.objects.filter(user=agent).exists()
