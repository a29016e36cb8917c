"""B6 on the production shape (performance.md, issue 15): one message to a salon with 500 websocket clients,
repeated M times, delivered through nginx (HTTPS) by two ASGI workers (gunicorn + uvicorn, the documented
unit's command) sharing the Redis pub/sub channel layer, PostgreSQL behind them, a db_worker running:
scripts/shape.py, the configuration docs/deployment.md deploys.

The clients are split evenly over the two workers through the shape's pinned nginx ports (same nginx, same
server block, one upstream worker each): odd clients on worker 1, even clients on worker 2. The sender posts
on worker 1, so half of the deliveries cross Redis to the other process.

Baseline, same run, same client harness (bench/chat_broadcast.py's `Side`): the bare asyncio websockets
broadcast server of bench/chat_broadcast.py behind an nginx of its own with the shape's TLS settings and
certificate and the same proxy directives as the site's /ws/ location, so both sides pay the same transport
(TLS + one proxy hop); the verdict is on this one. A second bare server reached directly (ws://, no nginx, no
TLS) is measured too and its ratio printed beside it: what nginx and TLS cost on top of the application.
Messages are sent interleaved (app, baseline behind nginx, baseline direct, app, …); latency = time from the
sender's send to each client's receive, one clock; a (message, client) pair never received is lost.

Target: p50 <= 2.5x, p99 <= 4x, 0 lost. A round above target is measured once more on the same shape and
sockets (performance.md §1: two consecutive misses = regression); the exit status is non-zero only then, or
when the bench cannot run at all (it says why).

CPU: the workers' serving processes and the two bare servers are pinned to core 0, this client process to
core 1 (performance.md §1: client and server on different cores, both sides the same budget); nginx, Redis
and PostgreSQL are left where the system puts them. B6_PIN=0 leaves everything unpinned.

Run: `.venv/bin/python bench/b6_shape.py [--clients 500] [--messages 30]` (PostgreSQL on SHAPE_DATABASE_URL;
the shape migrates a scratch database at start, a minute or two).
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

from chat_broadcast import BASELINE_SERVER, Side, _pct  # noqa: E402
from shape import NGINX, PYTHON, Shape, ShapeError, free_ports  # noqa: E402

PIN = os.environ.get("B6_PIN", "1") != "0" and (os.cpu_count() or 1) > 1
SERVER_CORE, CLIENT_CORE = 0, 1

SEED = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from chat.actions import salon_create
from chat.models import Membership
from intranet.people.models import User
n = {n}
User.objects.bulk_create(
    [User(username=f"b6.agent{{i:04d}}", first_name="Agent", last_name=f"{{i:04d}}") for i in range(n + 1)]
)
users = list(User.objects.filter(username__startswith="b6.agent").order_by("username"))
salon = salon_create(name="Salon du banc d'essai B6", creator=users[0])
Membership.objects.bulk_create([Membership(user=u, salon=salon) for u in users[1:]])
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
keys = []
for user in users:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    keys.append(session.session_key)
print("SEEDED", salon.pk, settings.SESSION_COOKIE_NAME, json.dumps(keys))
"""

# The baseline's nginx: the shape's main context (scripts/render_nginx.py render_loopback) and the site's TLS
# and /ws/ proxy directives (deploy/nginx/intranet.conf.template), in front of the bare server.
BASELINE_NGINX = """daemon off;
worker_processes 1;
pid {wd}/nginx.pid;
error_log {wd}/error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    client_body_temp_path {wd}/client_body;
    proxy_temp_path {wd}/proxy;
    fastcgi_temp_path {wd}/fastcgi;
    uwsgi_temp_path {wd}/uwsgi;
    scgi_temp_path {wd}/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      '';
    }}
    upstream bare {{
        server 127.0.0.1:{bare_port};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate     {certificate};
        ssl_certificate_key {certificate_key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:b6_tls:10m;
        access_log {wd}/access.log;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Request-ID $request_id;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        location / {{
            proxy_pass http://bare;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            proxy_buffering off;
        }}
    }}
}}
"""


class ShapeSide(Side):
    """bench/chat_broadcast.py's client harness, each client on its own URL (wss:// through nginx, or ws://),
    with the TLS context and Origin that URL needs; deliveries also recorded per group (the worker)."""

    def __init__(self, name, urls, cookie_name, cookies, context, groups):
        super().__init__(name, None, cookies, len(urls) - 1)
        self.urls, self.cookie_name, self.context, self.groups = urls, cookie_name, context, groups
        self.by_group: dict[str, list[int]] = {g: [] for g in set(groups[1:])}

    async def open(self):
        import websockets

        async def one(i):
            url = self.urls[i]
            secure = url.startswith("wss://")
            origin = url.split("/ws/")[0].replace("wss://", "https://") if secure else "http://127.0.0.1"
            headers = {"Cookie": f"{self.cookie_name}={self.cookies[i]}"} if self.cookies else {}
            error = None
            for attempt in range(5):
                try:
                    return await websockets.connect(
                        url,
                        origin=origin,
                        additional_headers=headers,
                        ssl=self.context if secure else None,
                        max_queue=None,
                        open_timeout=60,
                        ping_interval=None,
                    )
                except Exception as exc:  # noqa: BLE001  (a busy server may refuse a burst of handshakes)
                    error = exc
                    await asyncio.sleep(0.5 * (attempt + 1))
            raise RuntimeError(f"{self.name}: client {i} could not connect to {url}: {error!r}")

        self.sender = await one(0)
        self.clients = []
        for start in range(1, self.n + 1, 50):  # in batches, as real pages open
            self.clients += await asyncio.gather(*(one(i) for i in range(start, min(start + 50, self.n + 1))))
        self.readers = [
            asyncio.create_task(self._read_grouped(ws, self.groups[i + 1]))
            for i, ws in enumerate(self.clients)
        ]
        self.sender_reader = asyncio.create_task(self._drain(self.sender))

    async def _read_grouped(self, ws, group):
        async for raw in ws:
            now = time.perf_counter_ns()
            data = json.loads(raw)
            if data.get("type") != "message":
                continue
            seq = json.loads(data["text"])["seq"]
            if seq not in self.sent:
                continue
            latency = now - self.sent[seq]
            bucket = self.received.setdefault(seq, [])
            bucket.append(latency)
            if seq >= 0:
                self.by_group[group].append(latency)
            if len(bucket) == self.n:
                self.events[seq].set()

    def reset(self):
        self.received.clear()
        for values in self.by_group.values():
            values.clear()


def pin(pid: int, core: int) -> None:
    """Every thread of `pid` on `core` (sched_setaffinity on a pid moves one thread only)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(tid), {core})


def wait_tcp(port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ShapeError(f"{what} exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise ShapeError(f"{what} does not listen on {port}")


def figures(side: ShapeSide, messages: int) -> dict:
    values = side.latencies()
    return {"p50": _pct(values, 0.5), "p99": _pct(values, 0.99), "lost": side.lost(messages)}


async def measure(shape, salon_id, cookie_name, cookies, n, messages, rounds, base_nginx_port, direct_port):
    context = shape.ssl_context()
    path = f"/ws/chat/{salon_id}/"
    # Client 0 (the sender) on worker 1; then the clients alternate: 1 -> worker 1, 2 -> worker 2, ...
    workers = [0] + [(i - 1) % shape.n_workers for i in range(1, n + 1)]
    app = ShapeSide(
        "app",
        [shape.pinned_url(w).replace("https://", "wss://") + path for w in workers],
        cookie_name,
        cookies,
        context,
        [f"worker {w + 1}" for w in workers],
    )
    base_nginx = ShapeSide(
        "base (nginx)",
        [f"wss://127.0.0.1:{base_nginx_port}/"] * (n + 1),
        None,
        [],
        context,
        ["bare"] * (n + 1),
    )
    base_direct = ShapeSide(
        "base (direct)", [f"ws://127.0.0.1:{direct_port}/"] * (n + 1), None, [], None, ["bare"] * (n + 1)
    )
    sides = (app, base_nginx, base_direct)
    started = time.monotonic()
    for side in sides:
        await side.open()
    print(f"  {3 * (n + 1)} sockets open in {time.monotonic() - started:.1f} s", flush=True)
    for side in sides:  # warm-up: the first message of each worker (imports, connections, caches)
        await side.send(-1)
    results = []
    for round_no in range(1, rounds + 1):
        for side in sides:
            side.reset()
        for seq in range(messages):
            for side in sides:
                await side.send(seq)
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        result = {
            "round": round_no,
            **{name: figures(s, messages) for name, s in zip(("app", "nginx", "direct"), sides, strict=True)},
        }
        result["per_worker"] = {
            g: (_pct(v, 0.5), _pct(v, 0.99)) for g, v in sorted(app.by_group.items()) if v
        }
        result["p50_ratio"] = result["app"]["p50"] / result["nginx"]["p50"]
        result["p99_ratio"] = result["app"]["p99"] / result["nginx"]["p99"]
        result["p50_ratio_direct"] = result["app"]["p50"] / result["direct"]["p50"]
        result["p99_ratio_direct"] = result["app"]["p99"] / result["direct"]["p99"]
        result["ok"] = result["p50_ratio"] <= 2.5 and result["p99_ratio"] <= 4 and result["app"]["lost"] == 0
        results.append(result)
        print(
            f"  round {round_no}: app p50 {result['app']['p50']:.1f} ms p99 {result['app']['p99']:.1f} ms "
            f"lost {result['app']['lost']} · bare behind nginx p50 {result['nginx']['p50']:.1f} "
            f"p99 {result['nginx']['p99']:.1f} lost {result['nginx']['lost']} · bare direct p50 "
            f"{result['direct']['p50']:.1f} p99 {result['direct']['p99']:.1f} "
            f"lost {result['direct']['lost']}",
            flush=True,
        )
        print(
            "           app per worker: "
            + ", ".join(f"{g} p50 {a:.1f} p99 {b:.1f} ms" for g, (a, b) in result["per_worker"].items())
            + f" · ratios vs nginx baseline {result['p50_ratio']:.2f} / {result['p99_ratio']:.2f}, "
            f"vs direct {result['p50_ratio_direct']:.2f} / {result['p99_ratio_direct']:.2f}",
            flush=True,
        )
        if result["ok"]:
            break
    for side in sides:
        await side.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--messages", type=int, default=30)
    args = parser.parse_args()
    if not Path(NGINX).exists():
        print(f"B6-shape FAIL: cannot run: no nginx at {NGINX}")
        return 1
    load = os.getloadavg()
    try:
        with Shape() as shape:
            out = shape.manage("shell", "-c", SEED.format(n=args.clients), timeout=600)
            found = re.search(r"^SEEDED (\d+) (\S+) (\[.*\])$", out, re.M)
            salon_id, cookie_name, cookies = int(found[1]), found[2], json.loads(found[3])
            wd = shape.workdir / "b6-baseline"
            for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (wd / sub).mkdir(parents=True)
            # Two bare servers (one behind the baseline's nginx, one reached directly): each broadcasts to its
            # own clients only.
            bare_port, nginx_port, direct_port = free_ports(3)
            (wd / "nginx.conf").write_text(
                BASELINE_NGINX.format(
                    wd=wd,
                    port=nginx_port,
                    bare_port=bare_port,
                    certificate=shape.certificate,
                    certificate_key=shape.certificate_key,
                )
            )
            log = open(wd / "processes.log", "ab")  # noqa: SIM115 (kept open for the children)
            argv = [PYTHON, "-c", BASELINE_SERVER]
            bare = subprocess.Popen([*argv, str(bare_port)], stdout=log, stderr=log)  # noqa: S603
            direct = subprocess.Popen([*argv, str(direct_port)], stdout=log, stderr=log)  # noqa: S603
            nginx = subprocess.Popen(  # noqa: S603
                [NGINX, "-p", str(wd), "-e", str(wd / "error.log"), "-c", str(wd / "nginx.conf")],
                stdout=log,
                stderr=log,
            )
            try:
                wait_tcp(bare_port, bare, "the bare websocket server")
                wait_tcp(direct_port, direct, "the bare websocket server (direct)")
                wait_tcp(nginx_port, nginx, "the baseline's nginx")
                if PIN:
                    for i in range(shape.n_workers):
                        pin(shape.worker_pid(i), SERVER_CORE)
                    pin(bare.pid, SERVER_CORE)
                    pin(direct.pid, SERVER_CORE)
                    os.sched_setaffinity(0, {CLIENT_CORE})
                results = asyncio.run(
                    measure(
                        shape,
                        salon_id,
                        cookie_name,
                        cookies,
                        args.clients,
                        args.messages,
                        2,
                        nginx_port,
                        direct_port,
                    )
                )
            finally:
                if PIN:
                    os.sched_setaffinity(0, set(range(os.cpu_count())))
                for process in (nginx, bare, direct):
                    process.terminate()
                    try:
                        process.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=10)
                log.close()
    except (ShapeError, OSError, RuntimeError, ValueError) as exc:  # ValueError: the nginx template
        print(f"B6-shape FAIL: cannot run: {exc}")
        return 1
    last = results[-1]
    ok = any(r["ok"] for r in results)
    load_after = os.getloadavg()
    print(
        f"B6-shape p50_ratio={last['p50_ratio']:.2f} target<=2.5 p99_ratio={last['p99_ratio']:.2f} target<=4 "
        f"lost={last['app']['lost']} (vs bare direct: p50 {last['p50_ratio_direct']:.2f} p99 "
        f"{last['p99_ratio_direct']:.2f}) p50_ms={last['app']['p50']:.1f} "
        f"base_p50_ms={last['nginx']['p50']:.1f} "
        f"clients={args.clients} messages={args.messages} rounds={len(results)} workers=2 nginx+tls pubsub "
        f"pinned={'yes' if PIN else 'no'} load={load[0]:.1f}-{load_after[0]:.1f} {'OK' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
