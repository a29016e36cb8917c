"""The production shape with the Matrix bridge (issue 15: « the Matrix bridge when Synapse is present»):
scripts/shape.py started with `matrix=` runs `manage.py matrix_bridge` beside nginx, the two workers, Redis
and db_worker, against the session's real Synapse (tests/chat/synapse.py). Every intranet request goes
through nginx over HTTPS; Synapse is read and written with its client API, as Element would."""

import asyncio
import json
import time
import uuid
from urllib.parse import quote

import pytest
import requests

from .conftest import PASSWORD, _load_shape_module, login, ws_options, ws_url

pytestmark = pytest.mark.django_db(transaction=True)
A, B = 0, 1


@pytest.fixture(scope="module")
def matrix_shape(request, django_db_setup, django_db_blocker):
    """A shape of its own for this module (the bridge and the workers read the MATRIX_* variables at start),
    on pytest's test database and the session's Synapse; stopped when the module ends."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "the production shape runs several server processes on one database: it needs a PostgreSQL "
            "server they all reach (the SQLite test database lives in this process only)"
        )
    synapse = request.getfixturevalue("synapse")
    db = connection.settings_dict
    server = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    running = _load_shape_module().Shape(
        workers=2,
        server_url=server,
        database=db["NAME"],
        matrix={
            "MATRIX_HOMESERVER_URL": synapse.url,
            "MATRIX_SERVER_NAME": synapse.server_name,
            "MATRIX_REGISTRATION_SHARED_SECRET": synapse.shared_secret,
        },
    )
    with django_db_blocker.unblock():
        running.start()
    try:
        running.synapse = synapse
        # A server admin of our own, to open Element sessions for the agents' Matrix accounts.
        running.synapse_admin = synapse.register(f"shape-admin-{uuid.uuid4().hex[:8]}", PASSWORD, admin=True)[
            "access_token"
        ]
        yield running
    finally:
        running.stop()


@pytest.fixture
def bridged_salon(matrix_shape, make_user, settings):
    """Marie and Paul (unique usernames: the homeserver outlives the test database) in a salon whose room the
    shape's bridge has created, both joined. The test process queues the room like a worker does, so it
    needs the bridge settings too."""
    from chat.actions import salon_create
    from chat.models import Membership, Salon

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.MATRIX_HOMESERVER_URL = matrix_shape.synapse.url
    settings.MATRIX_SERVER_NAME = matrix_shape.synapse.server_name
    settings.MATRIX_REGISTRATION_SHARED_SECRET = matrix_shape.synapse.shared_secret
    tag = uuid.uuid4().hex[:8]
    users = []
    for first, last in (("Marie", "Dupont"), ("Paul", "Dewitte")):
        user = make_user(f"{first.lower()}.{tag}", first_name=first, last_name=last)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        users.append(user)
    marie, paul = users
    salon = salon_create(name=f"Projet PLUi {tag}", creator=marie, members=[paul])
    _wait_for(
        lambda: Membership.objects.filter(salon=salon, matrix_joined=True).count() == 2,
        "the bridge to create the room and join both members",
        matrix_shape,
    )
    return marie, paul, Salon.objects.get(pk=salon.pk)


def _wait_for(predicate, what: str, shape, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        bridge = shape.processes["matrix_bridge"]
        assert bridge.poll() is None, f"matrix_bridge died:\n{shape.log_tail('matrix_bridge')}"
        assert time.monotonic() < deadline, (
            f"timed out waiting for {what}:\n{shape.log_tail('matrix_bridge')}"
        )
        time.sleep(0.1)
    return value


def _element_session(shape, user) -> tuple[str, str]:
    """The agent's Matrix id and a token of a separate Matrix session of theirs (Element on their phone)."""
    from chat.models import MatrixAccount

    user_id = MatrixAccount.objects.get(user=user).matrix_user_id
    response = requests.post(
        f"{shape.synapse.url}/_synapse/admin/v1/users/{quote(user_id)}/login",
        headers={"Authorization": f"Bearer {shape.synapse_admin}"},
        json={},
        timeout=10,
    )
    response.raise_for_status()
    return user_id, response.json()["access_token"]


def _room_messages(shape, token: str, room_id: str) -> list[dict]:
    response = requests.get(
        f"{shape.synapse.url}/_matrix/client/v3/rooms/{quote(room_id)}/messages",
        params={"dir": "b", "limit": 50},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return [e for e in response.json()["chunk"] if e["type"] == "m.room.message"]


def test_message_posted_by_an_agent_on_worker_a_reaches_the_salons_matrix_room(matrix_shape, bridged_salon):
    """Marie posts on a socket of worker A (through nginx); the bridge sends it into the salon's room as
    her, once, and records the event id."""
    import websockets

    from chat.models import Message

    marie, _paul, salon = bridged_salon
    on_a = matrix_shape.pinned_url(A)
    session = login(matrix_shape, marie, on_a)

    async def post():
        async with websockets.connect(
            ws_url(on_a, f"/ws/chat/{salon.pk}/"), **ws_options(matrix_shape, session, on_a)
        ) as ws:
            await ws.send(json.dumps({"type": "post", "text": "Posté sur A, lu dans Element"}))
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 15))
                if event.get("type") == "posted":
                    return event

    posted = asyncio.run(post())
    user_id, element = _element_session(matrix_shape, marie)
    events = _wait_for(
        lambda: [
            e
            for e in _room_messages(matrix_shape, element, salon.matrix_room_id)
            if e["content"].get("body") == "Posté sur A, lu dans Element"
        ],
        "the message in the Matrix room",
        matrix_shape,
    )
    assert len(events) == 1 and events[0]["sender"] == user_id
    message = Message.objects.get(pk=posted["id"])
    _wait_for(
        lambda: Message.objects.filter(pk=message.pk, matrix_event_id=events[0]["event_id"]).exists(),
        "the event id recorded on the message",
        matrix_shape,
    )


def test_message_written_in_the_matrix_room_reaches_a_socket_held_on_worker_b(matrix_shape, bridged_salon):
    """Marie writes from Element; the bridge stores the message once, as hers, and Paul's page on worker B
    (through nginx) receives it live."""
    import websockets

    from chat.choices import MessageSource
    from chat.models import Message

    marie, paul, salon = bridged_salon
    on_b = matrix_shape.pinned_url(B)
    session = login(matrix_shape, paul, on_b)
    _user_id, element = _element_session(matrix_shape, marie)

    async def scenario():
        async with websockets.connect(
            ws_url(on_b, f"/ws/chat/{salon.pk}/"), **ws_options(matrix_shape, session, on_b)
        ) as ws:
            sent = await asyncio.to_thread(
                requests.put,
                f"{matrix_shape.synapse.url}/_matrix/client/v3/rooms/{quote(salon.matrix_room_id)}"
                f"/send/m.room.message/{uuid.uuid4().hex}",
                headers={"Authorization": f"Bearer {element}"},
                json={"msgtype": "m.text", "body": "Écrit depuis Element"},
                timeout=10,
            )
            sent.raise_for_status()
            while True:
                try:
                    event = json.loads(await asyncio.wait_for(ws.recv(), 30))
                except TimeoutError:
                    raise AssertionError(
                        f"nothing pushed; the bridge said:\n{matrix_shape.log_tail('matrix_bridge')}"
                    ) from None
                if event.get("type") == "message":
                    return sent.json()["event_id"], event

    event_id, event = asyncio.run(scenario())
    assert event["text"] == "Écrit depuis Element" and event["author"] == "Marie Dupont"
    stored = Message.objects.get(matrix_event_id=event_id)
    assert (stored.pk, stored.author, stored.source) == (event["id"], marie, MessageSource.MATRIX)
    assert Message.objects.filter(salon=salon).count() == 1
