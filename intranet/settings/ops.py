"""Operations: database pool and JIT, health and readiness, metrics, request ids, task leases."""

from .env import env

# --- PostgreSQL connections (docs/deployment.md, « Base de données ») -----------------------------------
# Django's native psycopg pool, per process: off unless DATABASE_POOL_MAX > 0. With the pool on, each process
# holds between MIN and MAX connections; a request waits up to TIMEOUT seconds for one, then fails.
DATABASE_POOL_MIN = env.int("DATABASE_POOL_MIN", default=2)
DATABASE_POOL_MAX = env.int("DATABASE_POOL_MAX", default=0)
DATABASE_POOL_TIMEOUT = env.float("DATABASE_POOL_TIMEOUT", default=10.0)
# JIT compilation costs far more than it saves on the intranet's short queries (a 15 ms listing paid up to
# 1.8 s in another Django project): off per connection unless DATABASE_JIT_OFF=false. Production also sets
# it on the role (ALTER ROLE … SET jit = off), which covers psql and the backups too.
DATABASE_JIT_OFF = env.bool("DATABASE_JIT_OFF", default=True)
# The name each process shows in pg_stat_activity (systemd units set their own: intranet-asgi-1, …).
DATABASE_APPLICATION_NAME = env.str("DATABASE_APPLICATION_NAME", default="intranet")

# --- Readiness (/readyz) --------------------------------------------------------------------------------
# The task queue is not ready when its oldest due task has waited longer than this (the worker is stuck).
READYZ_TASK_QUEUE_MAX_AGE = env.int("READYZ_TASK_QUEUE_MAX_AGE", default=300)

# --- Metrics (/ops/metrics) -----------------------------------------------------------------------------
# IT-only: a superuser's session, or this token as `Authorization: Bearer …` (Prometheus' scraper).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Request ids ----------------------------------------------------------------------------------------
# Take X-Request-ID from the request (nginx sets it from $request_id, overwriting the client's) instead of
# making one. Only when the ASGI workers are reachable through nginx alone (loopback, unix socket).
REQUEST_ID_FROM_PROXY = env.bool("REQUEST_ID_FROM_PROXY", default=False)

# --- Task worker leases (intranet.ops.tasks_lease) ------------------------------------------------------
# A running task's lease is renewed every LEASE/3 seconds by its worker; `manage.py tasks_reap` puts back in
# the queue a task whose lease expired (its worker died), up to MAX_ATTEMPTS runs, then marks it failed.
TASKS_LEASE_SECONDS = env.int("TASKS_LEASE_SECONDS", default=60)
TASKS_MAX_ATTEMPTS = env.int("TASKS_MAX_ATTEMPTS", default=3)


def database_configure(database: dict) -> dict:
    """The pool, JIT and application name options of a PostgreSQL `DATABASES` entry (others unchanged)."""
    if database.get("ENGINE") != "django.db.backends.postgresql":
        return database
    options = database.setdefault("OPTIONS", {})
    options.setdefault("application_name", DATABASE_APPLICATION_NAME)
    if DATABASE_JIT_OFF:
        options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
    if DATABASE_POOL_MAX > 0:
        options["pool"] = {
            "min_size": DATABASE_POOL_MIN,
            "max_size": DATABASE_POOL_MAX,
            "timeout": DATABASE_POOL_TIMEOUT,
        }
        # Pooled connections go back to the pool at the end of each request; persistent ones are refused.
        database["CONN_MAX_AGE"] = 0
    return database
