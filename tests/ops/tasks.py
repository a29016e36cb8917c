"""A task for the worker-kill test: its effect is an outbox row guarded by `effect_once`; its first run stops
(waiting to be killed) before or after committing that effect."""

import time
from pathlib import Path

from django.db import transaction
from django_tasks import task

from intranet.ops.tasks_lease import effect_once
from intranet.outbox.models import OutboxItem


def _wait_to_be_killed(marker: Path) -> None:
    marker.write_text("running")
    time.sleep(120)


@task()
def effect_then_wait(key: str, marker: str, kill_point: str) -> str:
    marker_path = Path(marker)
    first_run = not marker_path.exists()
    with transaction.atomic():
        made = effect_once(f"tests.ops:{key}")
        if made:
            OutboxItem.objects.create(kind="ops.test_effect", queue="tests", payload={"key": key})
        if first_run and kill_point == "before_commit":
            _wait_to_be_killed(marker_path)
    if first_run and kill_point == "after_commit":
        _wait_to_be_killed(marker_path)
    return "made" if made else "already made"
