"""Shared benchmark harness: a throw-away database, interleaved timing, ratio and IQR (performance.md §1)."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(db_name: str):
    """Django with DEBUG off on a fresh database: PostgreSQL `<db_name>` if reachable, else SQLite."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings.test")
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{db_name}")
    import django
    from django.conf import settings

    try:
        import psycopg

        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
    except Exception:  # noqa: BLE001  (no PostgreSQL here: measure on SQLite, and say so)
        os.environ["DATABASE_URL"] = f"sqlite:////tmp/{db_name}.sqlite3"
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection


def teardown(connection, db_name):
    connection.creation.destroy_test_db(db_name, verbosity=0)


def interleaved(app, base, reps: int = 30, warmup: int = 1):
    """Time `app` and `base` alternately (A B A B …) so machine noise hits both; returns ns lists."""
    for _ in range(warmup):
        app()
        base()
    app_ns, base_ns = [], []
    for _ in range(reps):
        t = time.perf_counter_ns()
        app()
        app_ns.append(time.perf_counter_ns() - t)
        t = time.perf_counter_ns()
        base()
        base_ns.append(time.perf_counter_ns() - t)
    return app_ns, base_ns


def summary(app_ns, base_ns):
    ratio = statistics.median(app_ns) / statistics.median(base_ns)
    pairs = sorted(a / b for a, b in zip(app_ns, base_ns, strict=True))
    q1, _, q3 = statistics.quantiles(pairs, n=4)
    return {
        "ratio": ratio,
        "iqr": (q1, q3),
        "app_ms": statistics.median(app_ns) / 1e6,
        "base_ms": statistics.median(base_ns) / 1e6,
    }
