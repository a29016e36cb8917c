"""Tasks the deployment test enqueues for the shape's task worker (`manage.py db_worker` imports this module
by its dotted path): each calls the application's own actions, nothing is simulated."""

from django_tasks import task


@task()
def notify_agent(user_id: int, text: str) -> int:
    """The live push of a notification created in the task worker's process (intranet.notifications)."""
    from intranet.notifications.actions import notify

    return len(notify(recipients=[user_id], verb="shape.test", text=text, url="/"))


@task()
def notify_once_then_hold(key: str, user_id: int, text: str, hold_path: str) -> bool:
    """Notify the agent once per `key` (intranet.ops.tasks_lease.effect_once, in the effect's transaction),
    then wait while `hold_path` exists: the test kills the worker during that wait, after the effect has
    committed, and the job must run again without notifying twice."""
    import os
    import time

    from django.db import transaction

    from intranet.notifications.actions import notify
    from intranet.ops.tasks_lease import effect_once

    with transaction.atomic():
        first = effect_once(key)
        if first:
            notify(recipients=[user_id], verb="shape.test", text=text, url="/")
    while os.path.exists(hold_path):
        time.sleep(0.05)
    return first
