"""The daily digest: one e-mail per agent with the notifications kept for it since the last one.

Each agent is handled in a transaction of its own: their pending rows are locked, the e-mail is sent, the rows
are marked sent, then the transaction commits. A failure to send rolls the marks back (the rows stay pending
for the next run, other agents go on); a second run the same day finds nothing left to send; a run stopped
half-way resumes where it stopped. On PostgreSQL, two runs at once skip each other's locked rows.
The one window left: the mail server accepted the message and the commit then failed (database gone) — the
next run sends those rows again. That is preferred over losing them.
"""

import logging
from dataclasses import dataclass

from django.core.mail import get_connection
from django.db import connection, transaction

from .emails import digest_message
from .kinds import Delivery
from .models import Notification
from .preferences import preferences_for

logger = logging.getLogger(__name__)


@dataclass
class DigestResult:
    mails: int = 0
    notifications: int = 0
    dropped: int = 0
    failed: int = 0


def digest_send(*, user_ids=None) -> DigestResult:
    """Send every agent (or those of `user_ids`) their pending digest."""
    result = DigestResult()
    pending = Notification.objects.digest_pending()
    if user_ids is not None:
        pending = pending.filter(recipient_id__in=user_ids)
    recipients = sorted(set(pending.values_list("recipient_id", flat=True)))
    mailer = get_connection(fail_silently=False)
    for user_id in recipients:
        try:
            _digest_one(user_id, mailer, result)
        except Exception:  # noqa: BLE001  (one agent's failure must not stop the others; retried next run)
            logger.exception("Daily digest of user %s not sent; kept for the next run", user_id)
            result.failed += 1
    return result


def _digest_one(user_id: int, mailer, result: DigestResult) -> None:
    with transaction.atomic():
        rows = Notification.objects.digest_pending().filter(recipient_id=user_id).select_related("recipient")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        rows = list(rows.order_by("pk"))
        if not rows:
            return
        user = rows[0].recipient
        # The choice may have changed since notify(): a kind now « aucun courriel » is not mailed; one now
        # « immédiat » still goes out here (it was promised to this digest).
        current = preferences_for(user)
        keep = [n for n in rows if current.get(n.kind) != Delivery.NONE]
        if not user.is_active or not user.email:
            keep = []
        dropped = [n.pk for n in rows if n not in keep]
        if dropped:
            Notification.objects.filter(pk__in=dropped).update(mail=Delivery.NONE)
            result.dropped += len(dropped)
        if not keep:
            return
        Notification.objects.filter(pk__in=[n.pk for n in keep]).update(emailed=True)
        mailer.send_messages([digest_message(user, keep)])
        result.mails += 1
        result.notifications += len(keep)
