"""Live push of notifications over the websocket consumer, through the configured channel layer (Redis in
the PostgreSQL pass, in-memory in the SQLite pass)."""

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


async def _communicator(client, origin=b"http://127.0.0.1"):
    cookie = (
        f"sessionid={client.cookies['sessionid'].value}".encode() if "sessionid" in client.cookies else b""
    )
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


async def test_new_notification_is_pushed_live_through_the_configured_layer(live_layer, client, make_user):
    from intranet.notifications.actions import notify

    user = await sync_to_async(make_user)("marie.dupont")
    await sync_to_async(client.force_login)(user)
    communicator = await _communicator(client)
    connected, _ = await communicator.connect()
    assert connected
    from channels.layers import get_channel_layer
    from django.conf import settings

    expected = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]
    assert expected == ("RedisPubSubChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer")
    assert type(get_channel_layer()).__name__ == expected

    await sync_to_async(notify)(recipients=[user], verb="x", text="Votre réservation est validée", url="/")
    message = await communicator.receive_json_from(timeout=5)
    assert message["kind"] == "created"
    assert message["text"] == "Votre réservation est validée" and message["unread"] == 1
    await communicator.disconnect()


async def test_someone_elses_notification_is_not_pushed_to_me(live_layer, client, make_user):
    from intranet.notifications.actions import notify

    me = await sync_to_async(make_user)("marie.dupont")
    other = await sync_to_async(make_user)("paul.dewitte")
    await sync_to_async(client.force_login)(me)
    communicator = await _communicator(client)
    assert (await communicator.connect())[0]
    await sync_to_async(notify)(recipients=[other], verb="x", text="Privé", url="/")
    assert await communicator.receive_nothing(timeout=0.5)
    # The valid case: my own notification does arrive.
    await sync_to_async(notify)(recipients=[me], verb="x", text="Pour moi", url="/")
    assert (await communicator.receive_json_from(timeout=5))["text"] == "Pour moi"
    await communicator.disconnect()


async def test_anonymous_socket_is_closed(live_layer, client):
    communicator = await _communicator(client)
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_foreign_origin_is_refused(live_layer, client, make_user):
    user = await sync_to_async(make_user)("marie.dupont")
    await sync_to_async(client.force_login)(user)
    communicator = await _communicator(client, origin=b"https://attaquant.example")
    connected, _ = await communicator.connect()
    assert not connected
    communicator = await _communicator(client)
    assert (await communicator.connect())[0]
    await communicator.disconnect()
