"""A task worker killed with SIGKILL mid-job: its lease expires, `tasks_reap` puts the task back in the queue,
another real `manage.py db_worker` runs it again, and its effect happens once (effect_once + outbox row in
the same transaction), whether the kill came before or after the effect committed."""

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from intranet.ops.models import TaskLease
from intranet.outbox.models import OutboxItem

from ..ged.test_crash_mid_upload import _database_url

pytestmark = pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="the worker process needs a database it can share (the SQLite test database is in memory)",
)

ROOT = Path(__file__).resolve().parents[2]


def _worker(name: str, log: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.ops.worker_settings",
        DATABASE_URL=_database_url(),
        DATABASE_APPLICATION_NAME=f"intranet-test-{name}",
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--worker-id",
            name,
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _wait(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text(errors='replace')[-3000:]}")


def _reap(settings) -> str:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = io.StringIO()
    call_command("tasks_reap", stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("kill_point", ["before_commit", "after_commit"])
def test_a_task_whose_worker_is_killed_runs_again_and_its_effect_happens_once(
    transactional_db, settings, tmp_path, kill_point
):
    from django_tasks_db.models import DBTaskResult, get_date_max

    key = uuid.uuid4().hex
    marker = tmp_path / "first-run"
    row = DBTaskResult.objects.create(
        args_kwargs={"args": [key, str(marker), kill_point], "kwargs": {}},
        task_path="tests.ops.tasks.effect_then_wait",
        backend_name="default",
        run_after=get_date_max(),
    )
    log1 = tmp_path / "worker1.log"
    first = _worker("w1", log1)
    try:
        _wait(marker.exists, 60, "the first run to start", log1)
        assert TaskLease.objects.filter(task_id=row.pk, pid=first.pid).exists()
        # Longer than the lease (3 s): the live worker's heartbeat keeps it, the reaper leaves it alone.
        time.sleep(4)
        assert _reap(settings).startswith("0 tâche(s) remise(s) dans la file")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    row.refresh_from_db()
    assert row.status == "RUNNING"  # what the stock backend would leave forever
    effects = OutboxItem.objects.filter(kind="ops.test_effect", payload__key=key)
    assert effects.count() == (1 if kill_point == "after_commit" else 0)

    # The lease expires within 3 s of the last renewal; then the reaper re-queues the task.
    _wait(lambda: _reap(settings).startswith("1 tâche(s) remise(s)"), 15, "the lease to expire", log1)
    row.refresh_from_db()
    assert row.status == "READY" and not TaskLease.objects.filter(task_id=row.pk).exists()

    log2 = tmp_path / "worker2.log"
    second = _worker("w2", log2)
    try:
        _wait(
            lambda: DBTaskResult.objects.filter(pk=row.pk, status="SUCCESSFUL").exists(),
            60,
            "the second run to finish",
            log2,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait()
    row.refresh_from_db()
    assert row.worker_ids == ["w1", "w2"]
    assert row.return_value == ("already made" if kill_point == "after_commit" else "made")
    assert effects.count() == 1
    assert not TaskLease.objects.filter(task_id=row.pk).exists()
