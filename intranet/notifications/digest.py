"""The daily digest: one e-mail per agent with the notifications kept for it since the last one.

`digest_send()` (run by `manage.py notifications_digest` once a day) records one outbox row per agent with
something pending (`notifications.digest`, see outbox.py), commits, then performs those rows at once. A row
that fails (mail server down) stays in the outbox: `outbox_worker` retries it with backoff and IT sees it
failing. An agent whose digest row is still waiting gets no second row (that row is tried now if due, else
left to the worker); a second run the same day finds nothing left to send.
"""

import logging
from dataclasses import dataclass

from django.db import transaction

from intranet.outbox.actions import outbox_add, outbox_claim, outbox_done, outbox_failed
from intranet.outbox.models import OutboxItem
from intranet.outbox.registry import DEFAULT_QUEUE

from .models import Notification
from .outbox import DIGEST_KIND, digest_dedupe_key, send_digest

logger = logging.getLogger(__name__)


@dataclass
class DigestResult:
    mails: int = 0
    notifications: int = 0
    dropped: int = 0
    failed: int = 0  # digests left in the outbox, retried by outbox_worker
    waiting: int = 0  # digests of an earlier run waiting for their retry (backoff): left to the worker


def digest_send(*, user_ids=None) -> DigestResult:
    """Record and perform every agent's (or those of `user_ids`) pending digest."""
    result = DigestResult()
    pending = Notification.objects.digest_pending()
    if user_ids is not None:
        pending = pending.filter(recipient_id__in=user_ids)
    recipients = sorted(set(pending.values_list("recipient_id", flat=True)))
    if not recipients:
        return result
    with transaction.atomic():
        items = [
            outbox_add(kind=DIGEST_KIND, payload={"user": uid}, dedupe_key=digest_dedupe_key(uid))
            for uid in recipients
        ]
    ids = [item.pk for item in items if item is not None]
    # An agent whose row from an earlier run still waits (it failed): that row is tried now if it is due.
    deduped = [digest_dedupe_key(uid) for uid, item in zip(recipients, items, strict=True) if item is None]
    if deduped:
        earlier = OutboxItem.objects.filter(kind=DIGEST_KIND, dedupe_key__in=deduped, done_at__isnull=True)
        ids += list(earlier.values_list("pk", flat=True))
    claimed = outbox_claim(queue=DEFAULT_QUEUE, limit=len(ids), ids=ids)
    result.waiting = len(ids) - len(claimed)
    # The worker's loop, inlined to count what each digest carried.
    for item in claimed:
        try:
            mailed, dropped = send_digest(int(item.payload["user"]))
        except Exception as exc:  # noqa: BLE001  (the row stays in the outbox, retried with backoff)
            logger.warning("Daily digest of user %s not sent, left in the outbox: %s", item.payload, exc)
            outbox_failed(item=item, error=exc)
            result.failed += 1
            continue
        outbox_done(item=item)
        result.mails += 1 if mailed else 0
        result.notifications += mailed
        result.dropped += dropped
    return result
