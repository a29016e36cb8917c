"""Shared benchmark harness: a throw-away database, interleaved timing, ratio and IQR (performance.md §1)."""

import atexit
import contextlib
import hashlib
import importlib.metadata
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(db_name: str):
    """Django with DEBUG off on a fresh PostgreSQL database `test_<db_name>` (performance.md §1).

    No PostgreSQL (or a DATABASE_URL that is not PostgreSQL): the benchmark stops and says why, exit status 2.
    `BENCH_ALLOW_SQLITE=1` measures on SQLite instead, and the script's output then ends with a line saying
    the figures do not count (bench/_table.py reads it)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings.test")
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{db_name}")
    allow_sqlite = os.environ.get("BENCH_ALLOW_SQLITE") == "1"
    url = os.environ["DATABASE_URL"]
    reason = None
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        reason = f"DATABASE_URL is not PostgreSQL ({url.split(':', 1)[0]})"
    else:
        try:
            import psycopg

            # The server of DATABASE_URL, through its maintenance database.
            parts = urlsplit(url)
            psycopg.connect(
                urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")), connect_timeout=3
            ).close()
        except Exception as exc:  # noqa: BLE001  (any reason the server cannot be reached)
            where = f"{urlsplit(url).hostname}:{urlsplit(url).port or 5432}"
            reason = f"PostgreSQL not reachable at {where} ({' '.join(str(exc).split())})"
    if reason:
        if not allow_sqlite:
            fail_cannot_run(
                f"{reason}; benchmarks count on PostgreSQL only (BENCH_ALLOW_SQLITE=1 measures on "
                "SQLite, not counted)"
            )
        os.environ["DATABASE_URL"] = f"sqlite:////tmp/{db_name}.sqlite3"
        atexit.register(
            print, f"NOT COUNTED: measured on SQLite (BENCH_ALLOW_SQLITE=1) because {reason}", flush=True
        )
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    settings.ALLOWED_HOSTS = ["testserver"]
    _create_test_db(connection)
    return connection


def _create_test_db(connection):
    """Django's `create_test_db`, from a migrated template on PostgreSQL: migrating takes one to two minutes
    on the shared machine, once per state of the migrations (`make bench` pays it once, not per benchmark).
    The template is keyed on the project's migration files and the installed packages' versions, so a new
    migration or package makes a new one. BENCH_DB_TEMPLATE=0 migrates every time."""
    creation = connection.creation
    if connection.vendor != "postgresql" or os.environ.get("BENCH_DB_TEMPLATE") == "0":
        creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        return
    import psycopg
    from django.conf import settings

    template = f"intranet_bench_tpl_{_migrations_key()}"
    test_name = creation._get_test_db_name()
    parts = urlsplit(os.environ["DATABASE_URL"])
    admin = psycopg.connect(urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")), autocommit=True)
    try:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            try:
                admin.execute(f'DROP DATABASE IF EXISTS "{test_name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
            except psycopg.Error:  # the template went away or is busy: migrate as usual
                creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
                return
            connection.close()
            settings.DATABASES[connection.alias]["NAME"] = test_name
            connection.settings_dict["NAME"] = test_name
            connection.ensure_connection()
            return
        creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        connection.close()  # a template cannot be copied while someone is connected to it
        # Another benchmark may have made it meanwhile: then this one is not needed.
        with contextlib.suppress(psycopg.Error):
            admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{test_name}"')
    finally:
        admin.close()


def drop_templates(database_url: str) -> None:
    """Drop the templates of earlier states of the code (bench/_table.py, before a full run)."""
    import psycopg

    parts = urlsplit(database_url)
    with psycopg.connect(
        urlunsplit(("postgresql", parts.netloc, "/postgres", "", "")), autocommit=True, connect_timeout=3
    ) as admin:
        names = admin.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, 'intranet_bench_tpl_')"
        ).fetchall()
        for (name,) in names:
            with contextlib.suppress(psycopg.Error):  # in use by a benchmark running beside: left
                admin.execute(f'DROP DATABASE "{name}"')


def _migrations_key() -> str:
    """The project's migration files and the installed packages' versions (theirs carry their migrations).
    Nothing else of the project writes rows at migration time (no post_migrate receiver of its own)."""
    digest = hashlib.sha256()
    for top, dirs, files in os.walk(ROOT):
        if Path(top) == ROOT:
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"var", "node_modules"}]
        dirs.sort()
        if Path(top).name != "migrations":
            continue
        for name in sorted(files):
            if name.endswith(".py"):
                path = Path(top, name)
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:16]


def fail_cannot_run(reason: str):
    """Stop a benchmark that cannot measure what it is for: the reason on the last line, exit status 2."""
    print(f"{Path(sys.argv[0]).name} FAIL: cannot run: {reason}", flush=True)
    raise SystemExit(2)


def teardown(connection, db_name):
    connection.creation.destroy_test_db(db_name, verbosity=0)


def interleaved(app, base, reps: int = 30, warmup: int = 1, before_app=None):
    """Time `app` and `base` alternately (A B A B …) so machine noise hits both; returns ns lists.

    `before_app` (optional) runs untimed before each call of `app`: what puts the state back to the one the
    measured operation meets in real use (e.g. vacuuming the rows a rolled-back repetition left)."""
    for _ in range(warmup):
        if before_app is not None:
            before_app()
        app()
        base()
    app_ns, base_ns = [], []
    for _ in range(reps):
        if before_app is not None:
            before_app()
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
