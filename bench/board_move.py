"""B11: a card move on a board open in 200 websocket clients, p50/p99 delivery latency as ratios to the B6
bare asyncio broadcast server driven by the same client harness in the same run; zero lost.

The app side is the real path of the board page's drag and drop: the sender's page sends the move over its
own board socket (`{"type": "move", ...}`, projects.consumers); the server re-checks the session and the edit
right, `card_move` locks the board, renumbers the column, commits, and publishes the column's order once to
the board's live group; each server process's fan-out (intranet.fanout) hands it to its sockets, here the 200
`/ws/projets/tableaux/<id>/` pages. Latency = from just before the send to each socket's receive, same clock.
`--via http` measures instead the « Déplacer » form's POST (the page's path when its socket is not open),
printed for information. The baseline is B6's: the sender posts over a websocket and a bare
`websockets.broadcast` fans it out. Moves alternate the card between two columns, one at a time, A B A B with
the baseline. Target (performance.md): p50 <= 2.5x, p99 <= 4x, 0 lost. Deployed configuration only: uvicorn
+ Redis pub/sub layer.

Run: `.venv/bin/python bench/board_move.py [--clients 200] [--moves 30] [--via socket|http]`.
"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import subprocess
import sys
import time

from _harness import ROOT, setup_django, teardown
from chat_broadcast import (
    APP_SERVER,
    BASELINE_SERVER,
    LAYERS,
    REDIS_URL,
    Side,
    _free_port,
    _pct,
    _pin,
    _wait_port,
)

DB = "intranet_bench_b11"
LAYER = "pubsub"


def build_data(n_clients: int):
    """n+1 agents, an open project (every agent may read its board), one card; a session each."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from intranet.people.models import User
    from projects.actions import card_create, workspace_create
    from projects.choices import Visibility

    User.objects.bulk_create(
        [
            User(username=f"bench{i:04d}", first_name="Agent", last_name=f"{i:04d}")
            for i in range(n_clients + 1)
        ]
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    ws = workspace_create(name="Banc d'essai B11", creator=users[0], visibility=Visibility.OPEN)
    board = ws.boards.get()
    first, second = list(board.columns.all())[:2]
    card = card_create(board=board, column=first, title="Carte déplacée", actor=users[0])
    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(session.session_key)
    return board.pk, card.pk, (first.pk, second.pk), cookies


class BoardSide(Side):
    """200 board sockets; the k-th move event a socket receives is move k (one group, in order: a missing
    event shows as lost)."""

    def __init__(self, name, url, cookies, n, *, http_base, card_id, columns, via):
        super().__init__(name, url, cookies, n)
        self.http_base, self.card_id, self.columns, self.via = http_base, card_id, columns, via
        self.counts: dict[int, int] = {}
        self.first_seq = -1
        self.answers: dict[str, dict] = {}

    async def _drain(self, ws):
        """The sender's own page: its answers ("moved" or "error"); its copy of the move is not counted."""
        async for raw in ws:
            data = json.loads(raw)
            if data.get("type") in ("moved", "error"):
                self.answers[data.get("ref")] = data

    async def open(self):
        import httpx

        await super().open()
        csrf = secrets.token_hex(16)  # 32 characters: Django takes it as the secret itself
        self.http = httpx.AsyncClient(
            base_url=self.http_base,
            cookies={"sessionid": self.cookies[0], "csrftoken": csrf},
            headers={"X-CSRFToken": csrf, "Accept": "application/json"},
            timeout=30,
        )

    async def _read(self, ws):
        key = id(ws)
        async for raw in ws:
            now = time.perf_counter_ns()
            if json.loads(raw).get("type") != "move":
                continue
            seq = self.first_seq + self.counts.get(key, 0)
            self.counts[key] = self.counts.get(key, 0) + 1
            if seq not in self.sent:
                continue
            bucket = self.received.setdefault(seq, [])
            bucket.append(now - self.sent[seq])
            if len(bucket) == self.n:
                self.events[seq].set()

    async def send(self, seq: int, timeout=20.0):
        self.events[seq] = asyncio.Event()
        column = self.columns[(seq + 1) % 2]  # warm-up (-1) goes to the second column, then back and forth
        self.sent[seq] = time.perf_counter_ns()
        if self.via == "http":
            response = await self.http.post(
                f"/projets/cartes/{self.card_id}/deplacer/", data={"column": column, "position": 0}
            )
            if response.status_code != 200:
                raise RuntimeError(f"move refused: {response.status_code} {response.text[:200]}")
        else:
            move = {"type": "move", "ref": str(seq), "card": self.card_id, "column": column, "position": 0}
            await self.sender.send(json.dumps(move))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.events[seq].wait(), timeout)
        if self.via != "http":
            for _ in range(100):  # the sender's answer comes on its own socket, about with the others'
                if str(seq) in self.answers:
                    break
                await asyncio.sleep(0.01)
            answer = self.answers.get(str(seq))
            if answer is None or answer["type"] != "moved":
                raise RuntimeError(f"move refused or unanswered: {answer}")

    async def close(self):
        await self.http.aclose()
        await super().close()


async def run(board_id, card_id, columns, cookies, n, moves, env, via):
    app_port, base_port = _free_port(), _free_port()
    app_env = {**env, "BENCH_LAYER": json.dumps(LAYERS[LAYER])}
    app = subprocess.Popen(
        [*_pin(0), sys.executable, "-c", APP_SERVER, "uvicorn", str(app_port)], cwd=ROOT, env=app_env
    )
    base = subprocess.Popen(
        [*_pin(0), sys.executable, "-c", BASELINE_SERVER, str(base_port)], cwd=ROOT, env=env
    )
    try:
        await _wait_port(app_port, app)
        await _wait_port(base_port, base)
        app_side = BoardSide(
            "app",
            f"ws://127.0.0.1:{app_port}/ws/projets/tableaux/{board_id}/",
            cookies,
            n,
            http_base=f"http://127.0.0.1:{app_port}",
            card_id=card_id,
            columns=columns,
            via=via,
        )
        base_side = Side("base", f"ws://127.0.0.1:{base_port}/", [], n)
        await app_side.open()
        await base_side.open()
        await app_side.send(-1)
        await base_side.send(-1)
        app_side.received.pop(-1, None)
        base_side.received.pop(-1, None)
        for seq in range(moves):
            await app_side.send(seq)
            await base_side.send(seq)
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        result = {
            "app_p50": _pct(app_side.latencies(), 0.5),
            "app_p99": _pct(app_side.latencies(), 0.99),
            "base_p50": _pct(base_side.latencies(), 0.5),
            "base_p99": _pct(base_side.latencies(), 0.99),
            "lost": app_side.lost(moves),
            "base_lost": base_side.lost(moves),
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
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--via", choices=("socket", "http"), default="socket")
    args = parser.parse_args()
    connection = setup_django(DB)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per move otherwise
    from django.conf import settings

    board_id, card_id, columns, cookies = build_data(args.clients)
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
    try:
        r = asyncio.run(run(board_id, card_id, columns, cookies, args.clients, args.moves, env, args.via))
    finally:
        teardown(connection, DB)
    ok = r["p50_ratio"] <= 2.5 and r["p99_ratio"] <= 4 and r["lost"] == 0
    print(
        f"  uvicorn+{LAYER} p50 {r['app_p50']:.1f} ms (base {r['base_p50']:.1f}) "
        f"ratio {r['p50_ratio']:.2f} · "
        f"p99 {r['app_p99']:.1f} ms (base {r['base_p99']:.1f}) ratio {r['p99_ratio']:.2f} · "
        f"lost {r['lost']} (base {r['base_lost']})",
        flush=True,
    )
    if args.via == "http":  # the form's path, for information: the verdict is the drag and drop's
        print(f"  via http (information): p50 ratio {r['p50_ratio']:.2f}, p99 ratio {r['p99_ratio']:.2f}")
        raise SystemExit(0)
    print(
        f"B11 p50_ratio={r['p50_ratio']:.2f} target<=2.5 p99_ratio={r['p99_ratio']:.2f} target<=4 "
        f"lost={r['lost']} target<=0 clients={args.clients} moves={args.moves} p50_ms={r['app_p50']:.1f} "
        f"base_p50_ms={r['base_p50']:.1f} via=socket db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
