"""Leases and a reaper for django-tasks' database backend, whose `db_worker` marks a task RUNNING and never
looks at it again: a worker killed mid-task (SIGKILL, OOM, a lost machine) would leave it RUNNING forever.

- When a database-backend task starts in a worker, a `TaskLease` row is written and a heartbeat thread renews
  it every TASKS_LEASE_SECONDS / 3; when the task finishes, the lease is deleted.
- `manage.py tasks_reap` (a systemd timer, and before each db_worker start) puts back in the queue every
  RUNNING task whose lease expired, or that has no lease and started longer than a lease ago; after
  TASKS_MAX_ATTEMPTS runs it is marked failed instead (a task that kills its worker must not loop).
- A task may therefore run more than once: its effect must be idempotent by key. Writes in the database use
  `effect_once(key)` inside the transaction of the effect (the key commits with it, or neither does); side
  effects on other systems go through the outbox, whose rows are written in that same transaction.
"""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import request_id
from .models import TaskEffect, TaskLease

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker died TASKS_MAX_ATTEMPTS times while running it."""


def effect_once(key: str) -> bool:
    """True the first time `key` is claimed, False when an earlier run already committed it. Call inside the
    transaction that makes the effect, so the key and the effect commit (or roll back) together."""
    if not connection.in_atomic_block:
        raise RuntimeError("effect_once() must run inside the transaction of the effect it guards")
    _effect, created = TaskEffect.objects.get_or_create(key=key[:255])
    return created


# --- In the worker: the lease and its heartbeat ----------------------------------------------------------
class _Heartbeat:
    def __init__(self, task_id, worker_id: str):
        self.task_id = task_id
        self.stop = threading.Event()
        seconds = settings.TASKS_LEASE_SECONDS
        TaskLease.objects.update_or_create(
            task_id=task_id,
            defaults={
                "worker_id": worker_id[:64],
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "expires_at": timezone.now() + timedelta(seconds=seconds),
                "renewed_at": timezone.now(),
            },
        )
        self.thread = threading.Thread(target=self._run, args=(seconds,), name="task-lease", daemon=True)
        self.thread.start()

    def _run(self, seconds: int):
        try:
            while not self.stop.wait(max(seconds / 3, 0.2)):
                now = timezone.now()
                TaskLease.objects.filter(task_id=self.task_id).update(
                    expires_at=now + timedelta(seconds=seconds), renewed_at=now
                )
        except Exception:  # a lost database: the lease expires and the task runs again, which is safe
            logger.exception("task lease %s: renewal failed", self.task_id)
        finally:
            connection.close()  # this thread's own connection

    def end(self):
        self.stop.set()
        self.thread.join(timeout=10)
        TaskLease.objects.filter(task_id=self.task_id).delete()


_running: dict[str, tuple[_Heartbeat, object]] = {}


def _is_database_backend(sender) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    # db_worker sends task_started with the backend instance, task_finished with its class.
    backend_class = sender if isinstance(sender, type) else type(sender)
    return issubclass(backend_class, DatabaseBackend)


def _task_started(sender, task_result, **kwargs):
    if not _is_database_backend(sender):
        return
    worker_id = task_result.worker_ids[-1] if task_result.worker_ids else ""
    token = request_id.request_id_var.set(f"task-{str(task_result.id)[:8]}")
    _running[str(task_result.id)] = (_Heartbeat(task_result.id, worker_id), token)


def _task_finished(sender, task_result, **kwargs):
    entry = _running.pop(str(task_result.id), None)
    if entry is None:
        return
    heartbeat, token = entry
    try:
        heartbeat.end()
    finally:
        request_id.request_id_var.reset(token)


def connect_signals() -> None:
    from django_tasks.signals import task_finished, task_started

    task_started.connect(_task_started, dispatch_uid="intranet.ops.task_lease_start")
    task_finished.connect(_task_finished, dispatch_uid="intranet.ops.task_lease_end")


# --- The reaper ------------------------------------------------------------------------------------------
def stalled_tasks(now=None):
    """RUNNING tasks whose lease expired, or which never got one and started more than a lease ago."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    lease_ago = now - timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    expired = TaskLease.objects.filter(expires_at__lt=now).values("task_id")
    leased = TaskLease.objects.values("task_id")
    return DBTaskResult.objects.running().filter(
        Q(pk__in=expired) | (~Q(pk__in=leased) & Q(started_at__lt=lease_ago))
    )


def tasks_reap(*, now=None) -> tuple[int, int]:
    """Re-queue stalled tasks (or fail them after TASKS_MAX_ATTEMPTS runs); returns (re-queued, failed)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    with transaction.atomic():
        rows = list(stalled_tasks(now).select_for_update(skip_locked=True).only("pk", "worker_ids"))
        again = [row.pk for row in rows if len(row.worker_ids) < settings.TASKS_MAX_ATTEMPTS]
        give_up = [row.pk for row in rows if len(row.worker_ids) >= settings.TASKS_MAX_ATTEMPTS]
        if again:
            DBTaskResult.objects.filter(pk__in=again).update(status=TaskResultStatus.READY, started_at=None)
        if give_up:
            DBTaskResult.objects.filter(pk__in=give_up).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=(
                    f"WorkerLost: the worker running this task died {settings.TASKS_MAX_ATTEMPTS} times "
                    "(lease expired); not retried again.\n"
                ),
            )
        # Leases of tasks no longer running (reaped now, or a worker killed between the end and the delete).
        TaskLease.objects.exclude(task_id__in=DBTaskResult.objects.running().values("pk")).delete()
    for pk in again:
        logger.warning("task %s re-queued: its worker stopped renewing the lease", pk)
    for pk in give_up:
        logger.error("task %s failed: its worker died %s times", pk, settings.TASKS_MAX_ATTEMPTS)
    return len(again), len(give_up)
