"""Running a queue: claim due rows, perform each, mark it done or failed. Used by `manage.py outbox_worker`
(the `default` queue, plain functions) and by processes that own a queue (the Matrix bridge runs its
coroutine performers with `run_due_async`)."""

import asyncio
import inspect
import logging

from asgiref.sync import sync_to_async

from .actions import outbox_claim, outbox_done, outbox_failed, outbox_release
from .models import OutboxItem
from .registry import get_kind

logger = logging.getLogger(__name__)


def _missing_kind(item: OutboxItem) -> str:
    return f"Type « {item.kind} » inconnu de ce processus (application désinstallée ?)"


def run_due(*, queue: str, limit: int = 20, ids=None, **context) -> tuple[int, int]:
    """Perform the due rows of `queue` once (only those of `ids` if given); returns (done, failed).
    Performers are plain functions."""
    done = failed = 0
    for item in outbox_claim(queue=queue, limit=limit, ids=ids):
        kind = get_kind(item.kind)
        try:
            if kind is None:
                raise LookupError(_missing_kind(item))
            result = kind.perform(item.payload, **context)
            if inspect.isawaitable(result):
                result.close()
                raise TypeError(f"{item.kind}: coroutine performer on a synchronous queue")
        except Exception as exc:  # noqa: BLE001  (any failure is recorded on the row and retried)
            logger.warning("Outbox %s #%s failed (attempt %s): %s", item.kind, item.pk, item.attempts, exc)
            outbox_failed(item=item, error=exc)
            failed += 1
        else:
            outbox_done(item=item)
            done += 1
    return done, failed


async def run_due_async(*, queue: str, limit: int = 20, **context) -> tuple[int, int]:
    """The same for coroutine performers, one after the other in id order (a Matrix queue keeps its order)."""
    done = failed = 0
    for item in await sync_to_async(outbox_claim)(queue=queue, limit=limit):
        kind = get_kind(item.kind)
        try:
            if kind is None:
                raise LookupError(_missing_kind(item))
            result = kind.perform(item.payload, **context)
            if inspect.isawaitable(result):
                await result
        except asyncio.CancelledError:
            # The process is stopping: give the row back at once rather than after its lease.
            await sync_to_async(outbox_release)(item=item)
            raise
        except Exception as exc:  # noqa: BLE001  (any failure is recorded on the row and retried)
            logger.warning("Outbox %s #%s failed (attempt %s): %s", item.kind, item.pk, item.attempts, exc)
            await sync_to_async(outbox_failed)(item=item, error=exc)
            failed += 1
        else:
            await sync_to_async(outbox_done)(item=item)
            done += 1
    return done, failed
