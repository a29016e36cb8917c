"""R13 on the salon websocket: a socket dies with the session it was opened under (logout, password change),
and a socket whose close was missed is refused on its next command, nothing stored nor broadcast."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from intranet.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(client, salon_id):
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"host", b"127.0.0.1"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, f"/ws/chat/{salon_id}/", headers=headers)


async def _open(user, salon):
    from django.test import Client

    client = Client()
    await sync_to_async(client.force_login)(user)
    socket = _communicator(client, salon.pk)
    connected, code = await socket.connect()
    assert connected, code
    return client, socket


@pytest.fixture
def salon_people(make_user):
    from chat.actions import salon_create

    marie = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    paul = make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    return marie, paul, salon


async def _messages():
    from chat.models import Message

    return await sync_to_async(Message.objects.count)()


async def test_logout_closes_that_sessions_socket_only(live_layer, salon_people):
    marie, _paul, salon = salon_people
    client, socket = await _open(marie, salon)
    _other_client, other_device = await _open(marie, salon)
    response = await sync_to_async(client.post)("/deconnexion/")
    assert response.status_code == 200
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    # Her other device keeps its session and its socket.
    await other_device.send_json_to({"type": "post", "text": "Toujours là", "client_id": 1})
    kinds = {(await other_device.receive_json_from(timeout=5))["type"] for _ in range(2)}
    assert kinds == {"posted", "message"}
    await other_device.disconnect(timeout=5)
    await socket.wait()
    await sync_to_async(connections.close_all)()


async def test_post_on_a_socket_whose_session_ended_is_refused_and_closed(live_layer, salon_people):
    """The close never reached this socket (ended behind its back): its next command is the check."""
    from importlib import import_module

    from django.conf import settings

    marie, paul, salon = salon_people
    client, socket = await _open(marie, salon)
    _paul_client, watcher = await _open(paul, salon)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    await sync_to_async(store(session_key=client.cookies["sessionid"].value).delete)()
    await socket.send_json_to({"type": "post", "text": "Après la déconnexion", "client_id": 1})
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    assert await _messages() == 0
    assert await watcher.receive_nothing(timeout=0.3)
    await watcher.disconnect(timeout=5)
    await socket.wait()
    await sync_to_async(connections.close_all)()


async def test_password_change_closes_every_socket_of_the_account(live_layer, salon_people):
    from intranet.people.models import UserSession

    marie, _paul, salon = salon_people
    _client, socket = await _open(marie, salon)
    assert await sync_to_async(UserSession.objects.filter(user=marie).count)() == 1

    def change():
        marie.set_password("un-nouveau-mot-de-passe-2026")
        marie.save()

    await sync_to_async(change)()
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    assert not await sync_to_async(UserSession.objects.filter(user=marie).exists)()
    await socket.wait()
    await sync_to_async(connections.close_all)()
