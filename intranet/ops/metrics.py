"""Metrics in the Prometheus text format (/ops/metrics, IT only): a registry of collectors, so that apps add
theirs without the core importing them (the GED registers the OnlyOffice forgotten files).

A collector returns `[(labels, value), ...]` or None (nothing to report, e.g. a feature that is off). Each
runs on every scrape: keep it to one aggregate query, or cache what costs more (a remote call).

The websocket gauge is per process: each ASGI worker counts the sockets it holds itself, so a scrape through
nginx reaches one worker and reports that worker's count (label `pid`). Scrape each worker on its own port
(docs/operations.md) to see them all.
"""

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

Sample = tuple[dict[str, str], float]


@dataclass
class Family:
    """One metric family: its name, help text, type and samples."""

    name: str
    help: str
    samples: list[Sample]
    kind: str = "gauge"


# Collectors return the families they know (one query may feed several), or [] when their feature is off.
_collectors: dict[str, Callable[[], list[Family]]] = {}


def register_collector(key: str, collect: Callable[[], list[Family]]) -> None:
    """Add (or replace, same key) a collector; the GED adds the OnlyOffice forgotten files this way."""
    _collectors[key] = collect


def register_metric(name: str, help: str, collect: Callable[[], list[Sample] | None], kind="gauge") -> None:
    """A collector of one family: `collect()` returns its samples, or None when there is nothing to say."""

    def collector():
        samples = collect()
        return [] if samples is None else [Family(name, help, samples, kind)]

    register_collector(name, collector)


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _value(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render() -> str:
    """Every registered family, in the text exposition format (version 0.0.4)."""
    lines = []
    for collect in _collectors.values():
        for family in collect():
            lines.append(f"# HELP {family.name} {family.help}")
            lines.append(f"# TYPE {family.name} {family.kind}")
            for labels, value in family.samples:
                text = ",".join(f'{key}="{_escape(val)}"' for key, val in sorted(labels.items()))
                lines.append(
                    f"{family.name}{{{text}}} {_value(value)}" if text else f"{family.name} {_value(value)}"
                )
    return "\n".join(lines) + "\n"


# --- Websockets held by this process ---------------------------------------------------------------------
_websockets = 0
_websockets_lock = threading.Lock()


def websockets_open(delta: int) -> None:
    global _websockets
    with _websockets_lock:
        _websockets += delta


def websockets_count() -> int:
    return _websockets


# --- Built-in collectors ---------------------------------------------------------------------------------
def collect_outbox() -> list[Family]:
    """Backlog, failing rows and the age of the oldest pending row, by queue: one aggregate query."""
    from intranet.outbox.models import OutboxItem

    rows = list(
        OutboxItem.objects.filter(done_at__isnull=True)
        .values("queue")
        .annotate(
            backlog=Count("pk"), failing=Count("pk", filter=~Q(last_error="")), oldest=Min("created_at")
        )
        .order_by("queue")
    )
    now = timezone.now()
    return [
        Family(
            "intranet_outbox_backlog",
            "External side effects not done yet, by queue.",
            [({"queue": row["queue"]}, row["backlog"]) for row in rows],
        ),
        Family(
            "intranet_outbox_failing",
            "External side effects whose last attempt failed (retried with backoff), by queue.",
            [({"queue": row["queue"]}, row["failing"]) for row in rows],
        ),
        Family(
            "intranet_outbox_oldest_age_seconds",
            "Age of the oldest side effect not done yet, by queue.",
            [({"queue": row["queue"]}, (now - row["oldest"]).total_seconds()) for row in rows],
        ),
    ]


def _tasks_on() -> bool:
    return "django_tasks_db" in settings.TASKS["default"]["BACKEND"]


def collect_tasks():
    if not _tasks_on():
        return None
    from django_tasks_db.models import DBTaskResult

    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")).order_by("status"))
    return [({"status": status.lower()}, counts.get(status, 0)) for status in ("READY", "RUNNING", "FAILED")]


def collect_task_queue_age():
    if not _tasks_on():
        return None
    from .readiness import oldest_due_task

    oldest = oldest_due_task()
    return [({}, 0 if oldest is None else max((timezone.now() - oldest).total_seconds(), 0.0))]


def collect_tasks_stalled():
    if not _tasks_on():
        return None
    from .tasks_lease import stalled_tasks

    return [({}, stalled_tasks().count())]


def collect_websockets():
    return [({"pid": str(os.getpid())}, websockets_count())]


register_collector("outbox", collect_outbox)
register_metric("intranet_tasks", "Background tasks by status (database backend).", collect_tasks)
register_metric(
    "intranet_task_queue_age_seconds",
    "How long the oldest due background task has been waiting (0 when none).",
    collect_task_queue_age,
)
register_metric(
    "intranet_tasks_stalled",
    "Running tasks whose worker stopped renewing their lease (re-queued by tasks_reap).",
    collect_tasks_stalled,
)
register_metric(
    "intranet_websockets_open",
    "Websockets held by the answering worker process (each process counts its own).",
    collect_websockets,
)
