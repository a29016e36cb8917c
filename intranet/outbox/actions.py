"""Writes of the outbox: add a row (inside the cause's transaction), claim due rows, record the outcome."""

import random
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxItem
from .registry import get_kind

ERROR_MAX_LENGTH = 4000


def outbox_add(*, kind: str, payload: dict | None = None, dedupe_key: str = "") -> OutboxItem | None:
    """Record a side effect to perform, in the caller's transaction: if the cause rolls back, so does the row.

    With a `dedupe_key`, a row of that key still waiting and not yet claimed makes this one unnecessary (its
    performer reads the current state when it runs, after this transaction commits): returns None. The
    waiting row is locked until the caller commits, so a worker cannot claim it in between and miss the
    change. A row already claimed does not count: a new one is added.
    """
    registered = get_kind(kind)
    if registered is None:
        raise ValueError(f"Unknown outbox kind {kind!r}: register it in the app's ready().")
    now = timezone.now()
    if not dedupe_key:
        # One INSERT: no savepoint needed (a caller that rolls back takes the row with it).
        return OutboxItem.objects.create(
            kind=kind, queue=registered.queue, payload=payload or {}, created_at=now
        )
    with transaction.atomic():
        waiting = (
            OutboxItem.objects.select_for_update()
            .filter(kind=kind, dedupe_key=dedupe_key, done_at__isnull=True)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .values_list("pk", flat=True)
        )
        if list(waiting[:1]):
            return None
        return OutboxItem.objects.create(
            kind=kind, queue=registered.queue, payload=payload or {}, dedupe_key=dedupe_key, created_at=now
        )


def outbox_claim(*, queue: str, limit: int = 20, now=None, ids=None) -> list[OutboxItem]:
    """Take a lease on up to `limit` due rows of `queue` (only those of `ids` if given), oldest first, and
    count the attempt.

    On PostgreSQL, rows another worker is claiming (or a caller of `outbox_add` is holding) are skipped, not
    waited for. The lease (`OUTBOX_LEASE_SECONDS`) outlives a crashed worker: its rows come back when it ends.
    """
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        due = (
            OutboxItem.objects.filter(queue=queue, done_at__isnull=True, next_attempt_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .order_by("pk")
        )
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        OutboxItem.objects.filter(pk__in=ids).update(
            locked_until=lease, attempts=F("attempts") + 1, last_attempt_at=now
        )
        return list(OutboxItem.objects.filter(pk__in=ids).order_by("pk"))


def backoff_seconds(attempts: int) -> float:
    """Exponential from `OUTBOX_BACKOFF_BASE` seconds, capped at `OUTBOX_BACKOFF_MAX`, with "equal jitter"
    (between half and all of the step) so that rows failing together do not all come back together."""
    step = min(settings.OUTBOX_BACKOFF_MAX, settings.OUTBOX_BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    return step / 2 + random.uniform(0, step / 2)  # noqa: S311  (jitter, not a secret)


def outbox_done(*, item: OutboxItem) -> None:
    now = timezone.now()
    OutboxItem.objects.filter(pk=item.pk).update(done_at=now, locked_until=None)
    item.done_at, item.locked_until = now, None


def outbox_failed(*, item: OutboxItem, error: BaseException | str) -> None:
    """Record the error and reschedule with backoff; the row stays for IT to see until it succeeds."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    now = timezone.now()
    item.last_error = text[:ERROR_MAX_LENGTH]
    item.next_attempt_at = now + timedelta(seconds=backoff_seconds(item.attempts))
    item.locked_until = None
    OutboxItem.objects.filter(pk=item.pk).update(
        last_error=item.last_error, next_attempt_at=item.next_attempt_at, locked_until=None
    )


def outbox_release(*, item: OutboxItem) -> None:
    """An attempt interrupted by the worker stopping: the row is due again now (the attempt still counts)."""
    OutboxItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
        locked_until=None, next_attempt_at=timezone.now()
    )


def outbox_retry_now(*, ids) -> int:
    """IT's « Réessayer maintenant »: the rows become due at once (a lease in progress is left alone)."""
    now = timezone.now()
    return (
        OutboxItem.objects.filter(pk__in=ids, done_at__isnull=True)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(next_attempt_at=now)
    )


def outbox_purge_done(*, older_than_days: int | None = None, now=None) -> int:
    """Done rows are kept a while for the record (`OUTBOX_KEEP_DONE_DAYS`), then deleted."""
    days = settings.OUTBOX_KEEP_DONE_DAYS if older_than_days is None else older_than_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _rows = OutboxItem.objects.filter(done_at__lt=cutoff).delete()
    return deleted
