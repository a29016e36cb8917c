"""Readiness checks (/readyz): a small registry, so that other parts (the S3 storage) add their own probe.

A check is a function without arguments that returns None (ready) or a short reason (not ready), or raises
(not ready, the exception's class is the reason). It must be cheap: /readyz is polled every few seconds by
nginx or the load balancer. Checks that do not apply (no Redis configured) are simply not registered, or
return `SKIP`.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Case, F, When
from django.db.models.functions import Greatest
from django.utils import timezone

SKIP = "skip"

_checks: dict[str, Callable[[], str | None]] = {}


def register_readiness_check(name: str, check: Callable[[], str | None]) -> None:
    """Add (or replace, same name) a readiness check; the S3 storage replaces « storage » with its HEAD."""
    _checks[name] = check


def readiness_checks() -> dict[str, Callable[[], str | None]]:
    return dict(_checks)


@dataclass
class CheckResult:
    name: str
    ok: bool
    ms: float
    detail: str = ""

    def as_dict(self) -> dict:
        data = {"ok": self.ok, "ms": round(self.ms, 2)}
        if self.detail:
            data["detail"] = self.detail
        return data


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in _checks.items():
        started = time.perf_counter()
        try:
            problem = check()
        except Exception as exc:  # noqa: BLE001  (any failure of a dependency means "not ready")
            problem = type(exc).__name__
        elapsed = (time.perf_counter() - started) * 1000
        if problem == SKIP:
            continue
        results.append(CheckResult(name=name, ok=problem is None, ms=elapsed, detail=problem or ""))
    return results


# --- The built-in checks --------------------------------------------------------------------------------
def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def check_redis() -> str | None:
    if not settings.REDIS_URL:
        return SKIP
    import redis  # channels-redis' dependency; only imported where Redis is configured

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return None


PROBE_DIR = "ops-readiness"


def check_storage() -> str | None:
    """Write, read back and delete a tiny probe in the default storage (local disk or S3 alike)."""
    body = uuid.uuid4().hex.encode()
    name = default_storage.save(f"{PROBE_DIR}/{uuid.uuid4().hex}.txt", ContentFile(body))
    try:
        with default_storage.open(name, "rb") as fh:
            if fh.read() != body:
                return "probe read back differs"
    finally:
        default_storage.delete(name)
    return None


def oldest_due_task():
    """Since when the oldest ready task has been due: its enqueue time, or its `run_after` if later."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    due_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest("enqueued_at", "run_after"),
    )
    return (
        DBTaskResult.objects.ready()
        .annotate(due_since=due_since)
        .order_by("due_since")
        .values_list("due_since", flat=True)
        .first()
    )


def check_task_queue() -> str | None:
    """With the database backend: not ready when the oldest due task has waited too long (worker stuck)."""
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return SKIP
    oldest = oldest_due_task()
    if oldest is None:
        return None
    age = (timezone.now() - oldest).total_seconds()
    if age > settings.READYZ_TASK_QUEUE_MAX_AGE:
        return f"oldest ready task waits for {int(age)} s"
    return None


register_readiness_check("database", check_database)
register_readiness_check("redis", check_redis)
register_readiness_check("storage", check_storage)
register_readiness_check("task_queue", check_task_queue)
