"""B6: one message to a salon with 500 websocket clients, p50/p99 delivery latency as ratios to a bare asyncio
websocket broadcast server driven by the same client harness in the same run; zero lost.

For each configuration (ASGI server × channel layer) the app server and the baseline server run side by side;
one asyncio process opens N clients on each, plus a sender, then sends M messages alternately to the app and
to the baseline (A B A B …). Latency = time from the sender's send to each client's receive, same clock.
Target (performance.md): p50 <= 2.5x, p99 <= 4x, 0 lost.

Run: `.venv/bin/python bench/chat_broadcast.py [--clients 500] [--messages 30] [--configs uvicorn:redis,...]`.
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time

from _harness import ROOT, setup_django, teardown

DB = "intranet_bench_b6"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
LAYERS = {
    "memory": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    "redis": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "max_connections": 5000}],
            "capacity": 1000,
            "expiry": 30,
        },
    },
    "pubsub": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}},
}

# What docs/deployment.md deploys: uvicorn (its default loop and websocket implementation) + Redis pub/sub.
DEPLOYED = "uvicorn+pubsub"

# The app server: the real ASGI application, its channel layer chosen before first use, its database
# connections kept as intranet.settings.production keeps them (DB_CONN_MAX_AGE 60 s by default, health
# checks): the test settings' default (a new connection per database call) is not what is deployed.
APP_SERVER = textwrap.dedent(
    """
    import json, os, sys
    import django
    django.setup()
    from django.conf import settings
    settings.CHANNEL_LAYERS = {"default": json.loads(os.environ["BENCH_LAYER"])}
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.DATABASES["default"].update({"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True})
    from intranet.asgi import application
    server, port = sys.argv[1], int(sys.argv[2])
    if server == "uvicorn":
        import uvicorn
        uvicorn.run(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    else:
        from daphne.cli import CommandLineInterface
        args = ["-b", "127.0.0.1", "-p", str(port), "-v", "0", "intranet.asgi:application"]
        CommandLineInterface().run(args)
    """
)

# The baseline: a bare asyncio websocket server that broadcasts what the sender posts, in the app's shape.
BASELINE_SERVER = textwrap.dedent(
    """
    import asyncio, json, sys
    import websockets
    clients = set()
    async def handler(ws):
        clients.add(ws)
        try:
            async for raw in ws:
                data = json.loads(raw)
                if data.get("type") == "post":
                    text = json.dumps({"type": "message", "text": data["text"]}, separators=(",", ":"))
                    websockets.broadcast(clients, text)
        finally:
            clients.discard(ws)
    async def main():
        async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), max_queue=None):
            await asyncio.Future()
    asyncio.run(main())
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pin(core: int) -> list[str]:
    return (
        ["taskset", "-c", str(core)]
        if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1
        else []
    )


def build_data(n_clients: int):
    """n agents, one salon with all of them, a session each (the cookies the clients send)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from chat.actions import salon_create
    from chat.models import Membership
    from intranet.people.models import User

    users = User.objects.bulk_create(
        [
            User(username=f"bench{i:04d}", first_name="Agent", last_name=f"{i:04d}")
            for i in range(n_clients + 1)
        ]
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    salon = salon_create(name="Salon du banc d'essai", creator=users[0])
    Membership.objects.bulk_create([Membership(user=u, salon=salon) for u in users[1:]])
    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(session.session_key)
    return salon.pk, cookies


async def _wait_port(port: int, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            _r, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise RuntimeError("server did not start")


class Side:
    """N receiving clients + a sender on one server; records each (seq, client) receive time."""

    def __init__(self, name, url, cookies, n):
        self.name, self.url, self.cookies, self.n = name, url, cookies, n
        self.sent: dict[int, int] = {}
        self.received: dict[int, list[int]] = {}
        self.events: dict[int, asyncio.Event] = {}

    async def open(self):
        import websockets

        async def one(i):
            headers = {"Cookie": f"sessionid={self.cookies[i]}"} if self.cookies else {}
            for attempt in range(5):
                try:
                    return await websockets.connect(
                        self.url,
                        origin="http://127.0.0.1",
                        additional_headers=headers,
                        max_queue=None,
                        open_timeout=60,
                        ping_interval=None,
                    )
                except Exception as exc:  # noqa: BLE001  (a busy server may refuse a burst of handshakes)
                    self.error = exc
                    await asyncio.sleep(0.5 * (attempt + 1))
            raise RuntimeError(f"{self.name}: client {i} could not connect: {self.error!r}")

        self.sender = await one(0)
        self.clients = []
        for start in range(1, self.n + 1, 50):  # in batches, as real pages open
            self.clients += await asyncio.gather(*(one(i) for i in range(start, min(start + 50, self.n + 1))))
        self.readers = [asyncio.create_task(self._read(ws)) for ws in self.clients]
        self.sender_reader = asyncio.create_task(self._drain(self.sender))

    async def _drain(self, ws):
        async for _raw in ws:
            pass

    async def _read(self, ws):
        async for raw in ws:
            now = time.perf_counter_ns()
            data = json.loads(raw)
            if data.get("type") != "message":
                continue
            seq = json.loads(data["text"])["seq"]
            bucket = self.received.setdefault(seq, [])
            bucket.append(now - self.sent[seq])
            if len(bucket) == self.n:
                self.events[seq].set()

    async def send(self, seq: int, timeout=20.0):
        self.events[seq] = asyncio.Event()
        self.sent[seq] = time.perf_counter_ns()
        await self.sender.send(json.dumps({"type": "post", "text": json.dumps({"seq": seq})}))
        with contextlib.suppress(TimeoutError):  # missing deliveries are counted as lost
            await asyncio.wait_for(self.events[seq].wait(), timeout)

    async def close(self):
        for task in [*self.readers, self.sender_reader]:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in [*self.clients, self.sender]), return_exceptions=True)

    def latencies(self):
        return [ns for values in self.received.values() for ns in values]

    def lost(self, messages: int) -> int:
        return sum(self.n - len(self.received.get(seq, [])) for seq in range(messages))


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] / 1e6


async def run_config(server: str, layer: str, salon_id: int, cookies, n: int, messages: int, env: dict):
    app_port, base_port = _free_port(), _free_port()
    app_env = {**env, "BENCH_LAYER": json.dumps(LAYERS[layer])}
    if layer == "memory":
        app_env.pop("REDIS_URL", None)
    app = subprocess.Popen(
        [*_pin(0), sys.executable, "-c", APP_SERVER, server, str(app_port)], cwd=ROOT, env=app_env
    )
    base = subprocess.Popen(
        [*_pin(0), sys.executable, "-c", BASELINE_SERVER, str(base_port)], cwd=ROOT, env=env
    )
    try:
        await _wait_port(app_port, app)
        await _wait_port(base_port, base)
        app_side = Side("app", f"ws://127.0.0.1:{app_port}/ws/chat/{salon_id}/", cookies, n)
        base_side = Side("base", f"ws://127.0.0.1:{base_port}/", [], n)
        await app_side.open()
        await base_side.open()
        # Warm-up, then interleaved A B A B.
        await app_side.send(-1)
        await base_side.send(-1)
        app_side.received.pop(-1, None)
        base_side.received.pop(-1, None)
        for seq in range(messages):
            await app_side.send(seq)
            await base_side.send(seq)
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        result = {
            "config": f"{server}+{layer}",
            "app_p50": _pct(app_side.latencies(), 0.5),
            "app_p99": _pct(app_side.latencies(), 0.99),
            "base_p50": _pct(base_side.latencies(), 0.5),
            "base_p99": _pct(base_side.latencies(), 0.99),
            "lost": app_side.lost(messages),
            "base_lost": base_side.lost(messages),
        }
        result["p50_ratio"] = result["app_p50"] / result["base_p50"]
        result["p99_ratio"] = result["app_p99"] / result["base_p99"]
        await app_side.close()
        await base_side.close()
        return result
    finally:
        for process in (app, base):
            process.terminate()
            process.wait(timeout=15)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument(
        "--configs", default="uvicorn:memory,uvicorn:pubsub,uvicorn:redis,daphne:memory,daphne:pubsub"
    )
    args = parser.parse_args()
    connection = setup_django(DB)
    from django.conf import settings

    salon_id, cookies = build_data(args.clients)
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        database_url = f"sqlite:///{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "intranet.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "PYTHONPATH": str(ROOT),
    }
    results = []
    for config in args.configs.split(","):
        server, layer = config.split(":")
        # Only the deployed configuration gives the verdict; the others are printed beside it.
        role = "verdict" if f"{server}+{layer}" == DEPLOYED else "beside, no verdict"
        try:
            result = asyncio.run(
                run_config(server, layer, salon_id, cookies, args.clients, args.messages, env)
            )
        except Exception as exc:  # noqa: BLE001  (one failing configuration must not hide the others)
            print(f"  {server}+{layer:<10} ({role}) FAILED: {exc!r}", flush=True)
            continue
        results.append(result)
        print(
            f"  {result['config']:<16} ({role}) p50 {result['app_p50']:.1f} ms "
            f"(base {result['base_p50']:.1f}) "
            f"ratio {result['p50_ratio']:.2f} · "
            f"p99 {result['app_p99']:.1f} ms (base {result['base_p99']:.1f}) "
            f"ratio {result['p99_ratio']:.2f} · lost {result['lost']} (base {result['base_lost']})",
            flush=True,
        )
    teardown(connection, DB)
    # The verdict is the deployed configuration's, never the best of those run (performance.md, B6).
    deployed = [r for r in results if r["config"] == DEPLOYED]
    if not deployed:
        why = "not in --configs" if DEPLOYED.replace("+", ":") not in args.configs.split(",") else "it failed"
        print(f"B6 FAIL: cannot run: the deployed configuration {DEPLOYED} did not run ({why})")
        raise SystemExit(1)
    best = deployed[0]
    ok = best["p50_ratio"] <= 2.5 and best["p99_ratio"] <= 4 and best["lost"] == 0
    print(
        f"B6 deployed={best['config']} p50_ratio={best['p50_ratio']:.2f} target<=2.5 "
        f"p99_ratio={best['p99_ratio']:.2f} target<=4 lost={best['lost']} clients={args.clients} "
        f"messages={args.messages} p50_ms={best['app_p50']:.1f} base_p50_ms={best['base_p50']:.1f} "
        f"db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
