"""Performing a row at once, without waiting for the worker's next poll.

`outbox_perform_soon(item)` (call inside the cause's transaction) asks the task backend to perform the row as
soon as the transaction commits: inline with the immediate backend (`make run`, tests), by `db_worker` in
production. It is only a head start: if the task cannot be queued, fails or finds the row taken, the row is
still in the outbox and `outbox_worker` performs it, retrying with backoff. The lease makes sure the task and
the worker never perform the same row at the same time.
"""

from django.db import transaction
from django_tasks import task

from .models import OutboxItem
from .registry import DEFAULT_QUEUE
from .worker import run_due


@task()
def outbox_perform(item_id: int) -> int:
    """Perform one row of the default queue if it is due and free; returns 1 if it succeeded, else 0."""
    done, _failed = run_due(queue=DEFAULT_QUEUE, limit=1, ids=[item_id])
    return done


def outbox_perform_soon(item: OutboxItem | None) -> None:
    if item is None or item.queue != DEFAULT_QUEUE:
        return
    item_id = item.pk
    # robust: the row is committed and the worker will perform it whatever happens to this head start.
    transaction.on_commit(lambda: outbox_perform.enqueue(item_id), robust=True)
