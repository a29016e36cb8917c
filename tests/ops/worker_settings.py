"""Settings of the real `db_worker` started by tests/ops/test_task_lease.py: the test settings with the
database task backend and a short lease."""

from intranet.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TASKS_LEASE_SECONDS = 3
