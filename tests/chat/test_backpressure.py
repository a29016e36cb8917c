"""A client that stops reading is closed once its queue fills and never delays the other sockets of a salon.

The real ASGI application is served by uvicorn (the server docs/deployment.md deploys) in a thread, on a
listening socket with a small send buffer (inherited by accepted connections) so that a client that does not
read fills the kernel buffers after a few messages instead of a few megabytes. The non-reading client is a
real websocket client whose receive queue is one frame long: once full it stops reading from the network.
"""

import asyncio
import base64
import os
import socket
import threading
import time

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def uvicorn_server(live_layer, settings):
    import uvicorn

    from intranet.asgi import application

    settings.CHAT_SOCKET_QUEUE = 4
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    config = uvicorn.Config(application, log_level="warning", lifespan="off", ws_ping_interval=None)
    server = uvicorn.Server(config)
    loops = []

    def run():
        loop = asyncio.new_event_loop()
        loops.append(loop)
        loop.run_until_complete(server.serve(sockets=[listener]))
        from intranet.fanout import close_all

        loop.run_until_complete(close_all())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"ws://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)
    listener.close()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def _session(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _open(url, session):
    from websockets.asyncio.client import connect

    return await connect(
        url,
        origin="http://127.0.0.1",
        additional_headers={"Cookie": f"sessionid={session}"},
        ping_interval=None,
    )


def _open_and_never_read(url, session) -> socket.socket:
    """A websocket client that completes the handshake and then never reads: a plain TCP socket with a
    small receive buffer, so the server's writes back up after a few messages."""
    host, port = url.removeprefix("ws://").split("/")[0].split(":")
    path = "/" + url.removeprefix("ws://").split("/", 1)[1]
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1\r\n"
            f"Cookie: sessionid={session}\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)  # byte by byte: nothing after the handshake is read
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def test_a_client_that_stops_reading_is_closed_and_does_not_delay_the_others(uvicorn_server, make_user):
    import json

    from chat.actions import salon_create
    from chat.push import salon_group
    from intranet.fanout import _fanouts

    marie = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    paul = make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    jeanne = make_user("jeanne.verstraete", first_name="Jeanne", last_name="Verstraete")
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul, jeanne])
    url = f"{uvicorn_server}/ws/chat/{salon.pk}/"
    sessions = [_session(u) for u in (marie, paul, jeanne)]
    group = salon_group(salon.pk)

    def local_sockets() -> int:
        return sum(len(f.sockets.get(group, ())) for f in list(_fanouts.values()))

    async def scenario():
        sender = await _open(url, sessions[0])
        reader = await _open(url, sessions[1])
        stalled = await asyncio.to_thread(_open_and_never_read, url, sessions[2])
        assert local_sockets() == 3
        delays = []
        text = "x" * 9000  # a long message fills the stalled client's buffers in a few sends
        for n in range(40):
            started = time.monotonic()
            await sender.send(json.dumps({"type": "post", "text": f"{n} {text}", "client_id": n}))
            while True:  # the reader gets every message, each promptly
                event = json.loads(await asyncio.wait_for(reader.recv(), timeout=10))
                if event.get("type") == "message":
                    assert event["text"].startswith(f"{n} ")
                    break
            delays.append(time.monotonic() - started)
        # The stalled socket left the fan-out (its queue filled) and the server closed it.
        assert local_sockets() == 2
        assert max(delays) < 5, delays
        await sender.close()
        await reader.close()
        stalled.close()

    asyncio.run(scenario())
