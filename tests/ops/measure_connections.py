"""Measure the PostgreSQL connections the production shape holds: two ASGI workers (gunicorn + uvicorn_worker)
and one db_worker, started for real against a migrated scratch database, each with its own application_name.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/SCRATCH .venv/bin/python tests/ops/measure_connections.py

Prints the connections per process (pg_stat_activity) at rest and under 20 concurrent requests, with the pool
off and on (DATABASE_POOL_MIN=2, DATABASE_POOL_MAX=4). The figures are in docs/deployment.md."""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ["DATABASE_URL"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env(name: str, pool: bool) -> dict:
    extra = {"DATABASE_POOL_MIN": "2", "DATABASE_POOL_MAX": "4"} if pool else {"DATABASE_POOL_MAX": "0"}
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="intranet.settings.dev",
        DEBUG="false",
        TASKS_BACKEND="database",
        DATABASE_APPLICATION_NAME=name,
        **extra,
    )


def counts() -> dict[str, int]:
    with psycopg.connect(URL) as conn:
        rows = conn.execute(
            "SELECT application_name, count(*) FROM pg_stat_activity "
            "WHERE application_name LIKE 'measure-%' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    return dict(rows)


def run(pool: bool) -> None:
    ports = [free_port(), free_port()]
    procs = []
    try:
        for i, port in enumerate(ports, 1):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "intranet.asgi:application",
                        "-k",
                        "uvicorn_worker.UvicornWorker",
                        "-w",
                        "1",
                        "-b",
                        f"127.0.0.1:{port}",
                    ],
                    cwd=ROOT,
                    env=env(f"measure-asgi-{i}", pool),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        procs.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-startup-delay"],
                cwd=ROOT,
                env=env("measure-worker", pool),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for port in ports:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
        time.sleep(3)
        print(f"pool={'on' if pool else 'off'} at rest:", counts())
        peak: dict[str, int] = {}

        def hit(n):
            httpx.get(f"http://127.0.0.1:{ports[n % 2]}/readyz", timeout=30)

        with ThreadPoolExecutor(20) as ex:
            futures = [ex.submit(hit, n) for n in range(400)]
            while not all(f.done() for f in futures):
                for key, value in counts().items():
                    peak[key] = max(peak.get(key, 0), value)
                time.sleep(0.05)
        print(f"pool={'on' if pool else 'off'} peak under 20 concurrent requests:", peak)
        time.sleep(2)
        print(f"pool={'on' if pool else 'off'} after:", counts())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    run(pool=False)
    run(pool=True)
