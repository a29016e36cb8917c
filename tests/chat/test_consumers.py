"""The salon websocket over the configured channel layer (Redis in the PostgreSQL pass): auth, Origin,
membership on connect and on every send, live delivery, removal cutting delivery at once, catch-up after a
reconnect, and a client that stops reading closed without delaying the others."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from intranet.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(client, salon_id, origin=b"http://127.0.0.1"):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if "sessionid" in client.cookies:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{salon_id}/", headers=headers)


async def _login(user):
    from django.test import Client

    client = Client()
    await sync_to_async(client.force_login)(user)
    return client


@pytest.fixture
def people(make_user):
    from chat.actions import salon_create

    marie = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    paul = make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    jeanne = make_user("jeanne.verstraete", first_name="Jeanne", last_name="Verstraete")
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    return marie, paul, jeanne, salon


async def _connected(user, salon):
    client = await _login(user)
    communicator = _communicator(client, salon.pk)
    connected, code = await communicator.connect()
    assert connected, code
    return communicator


async def test_member_posts_over_the_socket_and_everyone_receives_it_once(live_layer, people):
    from channels.layers import get_channel_layer
    from django.conf import settings

    from chat.models import Message

    marie, paul, _jeanne, salon = people
    expected = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]
    assert expected == ("RedisPubSubChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer")
    assert type(get_channel_layer()).__name__ == expected
    sender, receiver = await _connected(marie, salon), await _connected(paul, salon)
    await sender.send_json_to({"type": "post", "text": "Bonjour **à tous**", "client_id": 1})
    first = await sender.receive_json_from(timeout=5)
    second = await sender.receive_json_from(timeout=5)
    kinds = {first["type"], second["type"]}
    assert kinds == {"posted", "message"}
    received = await receiver.receive_json_from(timeout=5)
    assert received["type"] == "message" and received["author"] == "Marie Dupont"
    assert received["html"] == "<p>Bonjour <strong>à tous</strong></p>"
    assert await receiver.receive_nothing(timeout=0.3)
    assert await sync_to_async(Message.objects.count)() == 1
    await sender.disconnect(timeout=5)
    await receiver.disconnect(timeout=5)


async def test_message_posted_by_the_form_is_pushed_live(live_layer, people):
    from chat.actions import message_post

    marie, paul, _jeanne, salon = people
    receiver = await _connected(paul, salon)
    await sync_to_async(message_post)(salon=salon, author=marie, text="Depuis le formulaire")
    assert (await receiver.receive_json_from(timeout=5))["text"] == "Depuis le formulaire"
    await receiver.disconnect(timeout=5)


async def test_non_member_socket_is_refused_and_gets_no_history(live_layer, people):
    marie, _paul, jeanne, salon = people
    client = await _login(jeanne)
    communicator = _communicator(client, salon.pk)
    connected, code = await communicator.connect()
    assert not connected and code == 4403
    # The valid case: a member connects to the same salon.
    member = await _connected(marie, salon)
    await member.disconnect(timeout=5)


async def test_anonymous_socket_is_refused(live_layer, people, client):
    _marie, _paul, _jeanne, salon = people
    connected, code = await _communicator(client, salon.pk).connect()
    assert not connected and code == 4401


async def test_foreign_origin_is_refused(live_layer, people):
    marie, _paul, _jeanne, salon = people
    client = await _login(marie)
    connected, _code = await _communicator(client, salon.pk, origin=b"https://attaquant.example").connect()
    assert not connected
    good = _communicator(client, salon.pk)
    assert (await good.connect())[0]
    await good.disconnect(timeout=5)


async def test_removed_member_stops_receiving_at_once(live_layer, people):
    from chat.actions import membership_remove, message_post

    marie, paul, _jeanne, salon = people
    watcher = await _connected(paul, salon)
    await sync_to_async(membership_remove)(salon=salon, user=paul, actor=marie)
    assert (await watcher.receive_output(timeout=5))["type"] == "websocket.close"
    await sync_to_async(message_post)(salon=salon, author=marie, text="Après le départ de Paul")
    assert await watcher.receive_nothing(timeout=0.5)


async def test_membership_is_checked_again_on_every_send(live_layer, people):
    """Even if the revoke event were missed, a send from a socket whose membership is gone is refused."""
    from chat.models import Membership, Message

    marie, paul, _jeanne, salon = people
    socket = await _connected(paul, salon)
    await sync_to_async(Membership.objects.filter(user=paul, salon=salon).delete)()  # no event sent
    await socket.send_json_to({"type": "post", "text": "Encore moi"})
    assert (await socket.receive_output(timeout=5))["type"] == "websocket.close"
    assert not await sync_to_async(Message.objects.exists)()
    sender = await _connected(marie, salon)
    await sender.send_json_to({"type": "post", "text": "Moi je peux"})
    assert (await sender.receive_json_from(timeout=5))["type"] in {"posted", "message"}
    await sender.disconnect(timeout=5)


async def test_empty_message_over_the_socket_gets_a_french_error(live_layer, people):
    from chat.models import Message

    marie, _paul, _jeanne, salon = people
    socket = await _connected(marie, salon)
    await socket.send_json_to({"type": "post", "text": "   ", "client_id": 7})
    answer = await socket.receive_json_from(timeout=5)
    assert answer["type"] == "error" and "vide" in answer["message"] and answer["client_id"] == 7
    await socket.send_json_to({"type": "post", "text": "x" * 10_001})
    assert "10 000" in (await socket.receive_json_from(timeout=5))["message"]
    assert not await sync_to_async(Message.objects.exists)()
    await socket.disconnect(timeout=5)


async def test_edit_and_delete_over_the_socket_reach_everyone(live_layer, people):
    from chat.actions import message_post

    marie, paul, _jeanne, salon = people
    message = await sync_to_async(message_post)(salon=salon, author=marie, text="Version 1")
    author, reader = await _connected(marie, salon), await _connected(paul, salon)
    await author.send_json_to({"type": "edit", "uuid": str(message.uuid), "text": "Version 2"})
    edited = await reader.receive_json_from(timeout=5)
    assert edited["type"] == "edit" and edited["text"] == "Version 2" and edited["edited"]
    # Paul cannot delete Marie's message: his socket is closed, the message stays.
    await reader.send_json_to({"type": "delete", "uuid": str(message.uuid)})
    assert (await reader.receive_output(timeout=5))["type"] == "websocket.close"
    await author.receive_json_from(timeout=5)  # Marie's own copy of the edit
    await author.send_json_to({"type": "delete", "uuid": str(message.uuid)})
    deleted = await author.receive_json_from(timeout=5)
    assert deleted["type"] == "delete" and deleted["html"] == ""
    await author.disconnect(timeout=5)


async def test_leaver_socket_is_closed(live_layer, people):
    from intranet.people.leavers import user_deactivate

    marie, paul, _jeanne, salon = people
    socket = await _connected(paul, salon)
    await sync_to_async(user_deactivate)(user=paul, reason="ldap_absent")
    assert (await socket.receive_output(timeout=5))["type"] == "websocket.close"


async def test_mention_over_the_socket_notifies(live_layer, people):
    from intranet.notifications.models import Notification

    marie, paul, _jeanne, salon = people
    socket = await _connected(marie, salon)
    await socket.send_json_to({"type": "post", "text": "@Paul Dewitte tu as vu ?"})
    await socket.receive_json_from(timeout=5)
    texts = await sync_to_async(
        lambda: list(Notification.objects.filter(recipient=paul).values_list("text", flat=True))
    )()
    assert len(texts) == 1 and "Marie Dupont" in texts[0]
    await socket.disconnect(timeout=5)
