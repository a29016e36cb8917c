"""Scale-out: two ASGI server processes share the Redis channel layer; a client on each receives the other's
messages. Needs a database both processes can reach (PostgreSQL): the SQLite test database lives in memory."""

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "two server processes need a shared database server (PostgreSQL); SQLite tests run in memory"
        )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intranet.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
    }
    servers = []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "intranet.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--lifespan",
                "off",
            ],
            cwd=ROOT,
            env=env,
        )
        servers.append((process, f"127.0.0.1:{port}"))
    try:
        for process, address in servers:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"http://{address}/ping/", timeout=1)
                    break
                except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy
                    assert process.poll() is None and time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
        yield [address for _p, address in servers]
    finally:
        for process, _a in servers:
            process.terminate()
            process.wait(timeout=10)


def test_clients_on_two_processes_receive_each_others_messages(two_servers, make_user, settings):
    import websockets
    from django.test import Client

    from chat.actions import salon_create
    from chat.models import Message

    marie = make_user("marie.dupont", first_name="Marie", last_name="Dupont")
    paul = make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")
    salon = salon_create(name="Projet PLUi", creator=marie, members=[paul])
    cookies = {}
    for user in (marie, paul):
        client = Client()
        client.force_login(user)
        cookies[user.pk] = client.cookies["sessionid"].value
    first, second = two_servers

    async def scenario():
        def open_socket(address, user):
            return websockets.connect(
                f"ws://{address}/ws/chat/{salon.pk}/",
                origin=f"http://{address}",
                additional_headers={"Cookie": f"sessionid={cookies[user.pk]}"},
            )

        async with open_socket(first, marie) as on_first, open_socket(second, paul) as on_second:
            await on_first.send(json.dumps({"type": "post", "text": "Depuis le processus 1"}))
            received = json.loads(await asyncio.wait_for(on_second.recv(), 10))
            assert received["type"] == "message" and received["text"] == "Depuis le processus 1"
            await on_second.send(json.dumps({"type": "post", "text": "Réponse du processus 2"}))
            texts = set()
            while "Réponse du processus 2" not in texts:
                texts.add(json.loads(await asyncio.wait_for(on_first.recv(), 10)).get("text"))

    asyncio.run(scenario())
    assert Message.objects.count() == 2
