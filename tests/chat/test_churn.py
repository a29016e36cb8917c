"""R8 churn (security.md R8, issue 13): 500 sockets in one salon; for 60 s, 10 sockets connect and 10 leave
every second while 5 messages a second are posted and one client never reads. Stable clients receive every
message once and in order, group membership returns to its baseline, the client that never reads is closed
once its queue fills and does not delay the others.

The app runs as deployed: uvicorn serving `intranet.asgi:application` with the Redis pub/sub channel layer
and persistent database connections (`DB_CONN_MAX_AGE`, as production.py), in a process of its own. Test-only
touches in its start script: the layer gets a prefix unique to this run (Redis pub/sub ignores the database
number, so another run on the same Redis would otherwise publish into this salon); a probe route reports the
process's fan-out and channel-layer state; the listening socket has a fixed send buffer, and
`CHAT_SOCKET_QUEUE` is lowered through its environment variable, so that the non-reading client overflows
within the run rather than after megabytes.

Performance is measured, not asserted by timers: the run prints its latencies, and the only latency check
compares the run with itself (messages fanned out while the non-reading client was stalled against the
others).
"""

import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection  # noqa: F401 - `connection` is read by skipif

from .test_backpressure import _open_and_never_read

ROOT = Path(__file__).resolve().parents[2]
STABLE = 488  # + the sender + the client that never reads + about ten churn sockets = 500
CHURN_USERS = 20  # churn sockets reuse these sessions: several sockets of one session come and go at once
DURATION = 60  # seconds
CONNECTS_PER_SECOND = 10
MESSAGES_PER_SECOND = 5
QUEUE = 25  # CHAT_SOCKET_QUEUE in the server: five seconds of messages
FILLER = "Compte rendu du comité de pilotage du PLUi, relevé de décisions et actions à mener. " * 12

# The app server, started as the deployment guide starts it (uvicorn, lifespan off, no server header).
SERVER = textwrap.dedent(
    """
    import asyncio, json, os, sys
    import django
    django.setup()
    from django.conf import settings
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ["R8_LAYER_PREFIX"]
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    from intranet.asgi import application

    def state(full):
        from channels.layers import get_channel_layer
        from intranet.fanout import _fanouts
        loop = asyncio.get_running_loop()
        fanouts = [f for f in _fanouts.values() if f.loop is loop]
        layers = [("consumers", get_channel_layer())] + [("fanout", f.layer) for f in fanouts]
        out = {
            "fanout": {g: len(m) for f in fanouts for g, m in f.sockets.items()},
            "tasks": len(asyncio.all_tasks()),
            "layers": {},
        }
        for name, layer in layers:
            inner = layer._layers.get(loop)
            if inner is None:
                continue
            subscribed = set().union(*(shard._subscribed_to for shard in inner._shards))
            groups = {g: len(c) for g, c in inner.groups.items()}
            out["layers"][name] = {
                "channels": len(inner.channels),
                "groups": len(groups),
                "memberships": sum(groups.values()),
                "unsubscribed_groups": sorted(g for g in groups if g not in subscribed),
                "subscribed": sorted(subscribed) if full else len(subscribed),
            }
        return out

    async def app(scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/__r8__/":
            body = json.dumps(state(scope["query_string"] == b"full")).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await application(scope, receive, send)

    # The send buffer is fixed at the kernel's starting size (no autotuning up to megabytes), so that a
    # client that does not read blocks its writer after some 100 KB instead of a megabyte.
    import socket, uvicorn
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(1024)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", server_header=False)
    uvicorn.Server(config).run(sockets=[listener])
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _raise_open_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


@pytest.fixture
def r8_server(transactional_db):
    """The app under uvicorn in its own process, on the test database; yields its address, the layer's
    prefix and the Redis URL."""
    _raise_open_files(4096)  # 500 client sockets here, as many in the server (it inherits the limit)
    db = connection.settings_dict
    prefix = f"r8.{uuid.uuid4().hex[:12]}."
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intranet.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "R8_LAYER_PREFIX": prefix,
        "CHAT_SOCKET_QUEUE": str(QUEUE),
        "DB_CONN_MAX_AGE": "60",  # as production.py: not a new database connection for every socket command
        "PYTHONPATH": str(ROOT),
    }
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://{address}/ping/", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy
                assert process.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        yield address, prefix, redis_url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _build(n_users: int):
    """One salon with every agent in it, a session per agent (the cookie its sockets send)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from chat.actions import salon_create
    from intranet.people.models import User

    User.objects.bulk_create(
        [
            User(username=f"agent.r8.{i:04d}", first_name="Agent", last_name=f"R8 {i:04d}")
            for i in range(n_users)
        ]
    )
    users = list(User.objects.filter(username__startswith="agent.r8.").order_by("username"))
    salon = salon_create(name="Salon de montée en charge", creator=users[0], members=users[1:])
    sessions = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    return salon.pk, sessions


def _server_frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, payload) of the unmasked, unfragmented frames a server sends."""
    frames, i = [], 0
    while i + 2 <= len(data):
        opcode, size = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if size == 126:
            size, i = int.from_bytes(data[i : i + 2], "big"), i + 2
        elif size == 127:
            size, i = int.from_bytes(data[i : i + 8], "big"), i + 8
        if i + size > len(data):
            break
        frames.append((opcode, data[i : i + size]))
        i += size
    return frames


def _read_all(sock: socket.socket) -> tuple[bytes, bool]:
    """What the never-reading client was sent, read at last; and whether the server had closed the
    connection (end of stream) rather than leaving it open."""
    sock.settimeout(10)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except OSError:
        return b"".join(chunks), False
    return b"".join(chunks), True


def _pct(values, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class Receiver:
    """One reading socket: the sequence numbers and ids of the messages it got, and when."""

    def __init__(self, ws):
        self.ws = ws
        self.seqs: list[int] = []
        self.ids: list[int] = []
        self.times: list[float] = []
        self.posted: dict[int, float] = {}  # the sender's own posts, acknowledged
        self.task = asyncio.ensure_future(self._read())

    async def _read(self):
        with contextlib.suppress(Exception):  # the close code is checked afterwards
            async for raw in self.ws:
                now = time.time()  # wall clock: compared with the server's timestamps
                event = json.loads(raw)
                if event.get("type") == "message":
                    self.seqs.append(int(event["text"][:5]))
                    self.ids.append(event["id"])
                    self.times.append(now)
                elif event.get("type") == "posted":
                    self.posted[event["client_id"]] = now


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="the app server runs in its own process and needs a database both reach (PostgreSQL)",
)
def test_churn_keeps_every_stable_client_complete_and_membership_at_baseline(r8_server):
    from websockets.asyncio.client import connect

    phases = {"start": time.perf_counter()}
    address, prefix, redis_url = r8_server
    salon_id, sessions = _build(1 + STABLE + 1 + CHURN_USERS)
    sender_session, stable_sessions = sessions[0], sessions[1 : 1 + STABLE]
    stalled_session, churn_sessions = sessions[1 + STABLE], sessions[2 + STABLE :]
    url = f"ws://{address}/ws/chat/{salon_id}/"
    group = f"chat.salon.{salon_id}"
    messages = DURATION * MESSAGES_PER_SECOND
    rng = random.Random(8)

    def probe(full=False) -> dict:
        return requests.get(f"http://{address}/__r8__/" + ("?full" if full else ""), timeout=30).json()

    def redis_subscriptions() -> set[str]:
        client = redis.Redis.from_url(redis_url)
        try:
            return {name.decode() for name in client.pubsub_channels(f"{prefix}*")}
        finally:
            client.close()

    def open_socket(session):
        return connect(
            url,
            origin="http://127.0.0.1",
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
            compression=None,  # spares this one client process deflating 2,500 frames a second
        )

    async def scenario():
        sender = Receiver(await open_socket(sender_session))
        stable = [sender]
        for start in range(0, STABLE, 50):  # in batches, as pages open
            batch = stable_sessions[start : start + 50]
            stable += [Receiver(ws) for ws in await asyncio.gather(*(open_socket(s) for s in batch))]
        phases["opened"] = time.perf_counter()
        baseline = await asyncio.to_thread(probe, True)
        baseline_redis = await asyncio.to_thread(redis_subscriptions)
        assert baseline["fanout"] == {group: len(stable)}

        stalled = await asyncio.to_thread(_open_and_never_read, url, stalled_session)
        sent: dict[int, float] = {}
        churn = {"accepted": 0, "refused": [], "out_of_order": 0, "received": 0}
        samples = []

        async def post_all(t0):
            for seq in range(messages):
                await asyncio.sleep(max(0, t0 + seq / MESSAGES_PER_SECOND - time.perf_counter()))
                sent[seq] = time.time()
                text = f"{seq:05d} {FILLER}"
                await sender.ws.send(json.dumps({"type": "post", "text": text, "client_id": seq}))

        async def churn_one(i):
            try:
                ws = await open_socket(churn_sessions[i % CHURN_USERS])
            except Exception as exc:  # noqa: BLE001  (counted and asserted below)
                churn["refused"].append(repr(exc))
                return
            churn["accepted"] += 1
            client = Receiver(ws)
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            if i % 2:
                await ws.close()  # leaves the salon cleanly
            else:
                ws.transport.abort()  # a laptop that drops off the network: no closing handshake
            await asyncio.wait({client.task}, timeout=10)
            churn["received"] += len(client.ids)
            churn["out_of_order"] += sum(
                1 for a, b in zip(client.ids, client.ids[1:], strict=False) if b <= a
            )

        async def churn_all(t0):
            tasks = []
            for i in range(DURATION * CONNECTS_PER_SECOND):
                await asyncio.sleep(max(0, t0 + i / CONNECTS_PER_SECOND - time.perf_counter()))
                tasks.append(asyncio.ensure_future(churn_one(i)))
            await asyncio.gather(*tasks)

        async def sample_all(t0):
            while time.perf_counter() < t0 + DURATION:
                await asyncio.sleep(1)
                samples.append(await asyncio.to_thread(probe))

        t0 = time.perf_counter() + 0.5
        await asyncio.gather(post_all(t0), churn_all(t0), sample_all(t0))
        churn_seconds = time.perf_counter() - t0
        phases["churned"] = time.perf_counter()

        # Every stable client gets every message (allow the server the time to drain what it has queued).
        deadline = time.perf_counter() + 60
        while any(len(c.seqs) < messages for c in stable) and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
        phases["drained"] = time.perf_counter()
        # Membership back to baseline: the closes finish asynchronously in the server, so wait for them.
        deadline = time.perf_counter() + 30
        while True:
            after = await asyncio.to_thread(probe, True)
            settled = after["layers"] == baseline["layers"] and after["tasks"] <= baseline["tasks"]
            if settled or time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.5)
        after_redis = await asyncio.to_thread(redis_subscriptions)
        phases["settled"] = time.perf_counter()
        stalled_bytes, stalled_ended = await asyncio.to_thread(_read_all, stalled)
        stalled.close()
        phases["read"] = time.perf_counter()
        codes = [c.ws.close_code for c in stable]
        for client in stable:
            await client.ws.close()
        return {
            "stable": stable,
            "sent": sent,
            "churn": churn,
            "churn_seconds": churn_seconds,
            "samples": samples,
            "baseline": baseline,
            "baseline_redis": baseline_redis,
            "after": after,
            "after_redis": after_redis,
            "stalled_bytes": stalled_bytes,
            "stalled_ended": stalled_ended,
            "open_codes": codes,
        }

    phases["built"] = time.perf_counter()  # users, salon, sessions
    run = asyncio.run(scenario())
    phases["end"] = time.perf_counter()
    from chat.models import Message

    created = dict(Message.objects.filter(salon_id=salon_id).order_by("pk").values_list("pk", "created_at"))
    posted_ids = list(created)
    stable, sent, churn = run["stable"], run["sent"], run["churn"]
    after, baseline = run["after"], run["baseline"]
    frames = _server_frames(run["stalled_bytes"])
    stalled_seqs = [
        int(json.loads(p)["text"][:5]) for op, p in frames if op == 1 and b'"type":"message"' in p
    ]
    closes = [int.from_bytes(p[:2], "big") for op, p in frames if op == 8]

    # Delivery latency two ways: from the sender's send (includes the post's turn in the server's database
    # thread) and from the message's creation in the server (the fan-out and the sockets only; same clock).
    # "Stalled": the messages posted from about the last one the non-reading client was sent (its buffers
    # full, its writer blocked) to the one that overflowed its queue; "before": the messages before those.
    last = stalled_seqs[-1] if stalled_seqs else -1
    stalled_window = range(max(0, last - 5), last + QUEUE + 5)
    end_to_end, fanout, before, during, later = [], [], [], [], []
    for client in stable:
        for seq, message_id, at in zip(client.seqs, client.ids, client.times, strict=False):
            end_to_end.append(at - sent[seq])
            fanout.append(at - created[message_id].timestamp())
            if seq in stalled_window:
                during.append(fanout[-1])
            else:
                (before if seq < stalled_window.start else later).append(fanout[-1])
    acks = [stable[0].posted[k] - sent[k] for k in stable[0].posted]
    peak = max(sample["fanout"].get(group, 0) for sample in run["samples"])
    # A group the layer delivers to locally but has not subscribed in Redis: normal for the instant between
    # a group_add and its SUBSCRIBE (queued behind the shard's lock), a lost subscription if it lasts
    # (channels#1683's kind of bug). Printed: how many samples saw one, and how many saw the same group in the
    # sample after too.
    pending = [
        {g for layer in x["layers"].values() for g in layer["unsubscribed_groups"]} for x in run["samples"]
    ]
    unsubscribed = sum(1 for groups in pending if groups)
    lasting = sum(1 for a, b in zip(pending, pending[1:], strict=False) if a & b)
    marks = sorted(phases.items(), key=lambda kv: kv[1])

    def ms(values, q):
        return f"{_pct(values, q) * 1000:.0f}" if values else "-"

    lines = [
        f"R8: {len(stable)} stable sockets, {churn['accepted']} churn connects in "
        f"{run['churn_seconds']:.1f} s "
        f"(at most {peak} sockets in the fan-out), {messages} messages",
        f"latency p50/p99/max ms: end to end {ms(end_to_end, 0.5)}/{ms(end_to_end, 0.99)}/"
        f"{max(end_to_end) * 1000:.0f}, post acknowledged {ms(acks, 0.5)}/{ms(acks, 0.99)}, "
        f"fan-out {ms(fanout, 0.5)}/{ms(fanout, 0.99)}/{max(fanout) * 1000:.0f}",
        f"fan-out before the stall {ms(before, 0.5)}/{ms(before, 0.99)}, during it (messages "
        f"{stalled_window.start}-{stalled_window.stop - 1}) {ms(during, 0.5)}/{ms(during, 0.99)}, after it "
        f"{ms(later, 0.5)}/{ms(later, 0.99)}",
        f"non-reader sent {len(stalled_seqs)} messages, close frames {closes}, stream ended "
        f"{run['stalled_ended']}; server tasks {baseline['tasks']} before, {after['tasks']} after; "
        f"{unsubscribed} of {len(run['samples'])} samples saw a group not yet subscribed, {lasting} the same "
        "group in the next sample",
        "phases: "
        + ", ".join(f"{b[0]} +{b[1] - a[1]:.1f} s" for a, b in zip(marks, marks[1:], strict=False)),
    ]
    print("\n" + "\n  ".join(lines))

    # Every message once and in order, on every stable socket, which all stayed open.
    assert len(posted_ids) == messages
    assert run["open_codes"] == [None] * len(stable)
    incomplete = [i for i, c in enumerate(stable) if c.seqs != list(range(messages)) or c.ids != posted_ids]
    assert not incomplete, f"{len(incomplete)} stable clients missed, repeated or reordered messages"

    # The churn happened: every connect accepted; its sockets saw messages in order too.
    assert churn["refused"] == []
    assert churn["accepted"] == DURATION * CONNECTS_PER_SECOND
    assert churn["out_of_order"] == 0

    # Membership back to baseline (taken before the non-reading client connected: it has left too), in the
    # process (fan-out sockets; the layers' channels, groups and subscriptions) and in Redis itself.
    assert after["fanout"] == {group: len(stable)}
    assert after["layers"] == baseline["layers"]
    subscribed = set(baseline["layers"]["consumers"]["subscribed"])
    subscribed |= set(baseline["layers"]["fanout"]["subscribed"])
    assert run["after_redis"] == run["baseline_redis"] == subscribed
    assert after["tasks"] <= baseline["tasks"]  # no writer or consumer task left behind by the churn

    # The client that never read was closed once its queue filled. The state above was read while it still
    # had not read a byte: uvicorn tells the application nothing about a connection whose buffers are full,
    # so only the overflow (chat.overflow, then StopConsumer) can have ended its consumer. Read at last, it
    # was sent a prefix of the messages, then the server ended the connection. The 1013 close frame comes
    # only if it could be written: uvicorn's send waits for the client to drain its buffers first.
    assert stalled_seqs == list(range(len(stalled_seqs))) and len(stalled_seqs) < messages - QUEUE
    assert run["stalled_ended"]
    assert closes in ([], [1013])

    # It did not delay the others: the messages fanned out while it was stalled reached the stable clients
    # as fast as those before it (medians, within 10x: robust to a busy machine), or, on a machine so busy
    # that delivery slows down as the run goes on, no slower than those after it. A fan-out that waited for
    # it would hold every message until uvicorn's keepalive gave up on it (20 to 40 seconds): the messages
    # of the stall would be the slowest of the run by far.
    assert before and during and later
    p50_before, p50_during, p50_later = _pct(before, 0.5), _pct(during, 0.5), _pct(later, 0.5)
    assert p50_during <= 10 * p50_before or p50_during <= p50_later, (p50_before, p50_during, p50_later)
