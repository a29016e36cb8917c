"""Notification e-mails go through the outbox (R12): recorded with their cause, retried until sent, visible to
IT (Paramètres → « Opérations externes en attente »).

- `notifications.email`: the immediate e-mails of one notify() call. The row is written in notify()'s
  transaction with the notifications' ids; performing it sends each message not sent yet and marks it sent
  at once, so a retry after a failure sends only what is left (nothing twice, nothing lost).
- `notifications.digest`: one agent's daily digest, written by `notifications_digest`. Performing it sends
  what is pending for the agent *when it runs* (in one transaction: rows locked, marked, mail sent, commit),
  so a digest retried later also carries what arrived meanwhile, and a second row for the same agent finds
  nothing left.

The one window left, as for any outbox row: the mail server accepted a message and the mark then failed
(database gone); the retry sends that message again. That is preferred over losing it.
"""

import logging

from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from .emails import digest_message, immediate_message
from .kinds import Delivery
from .models import Notification
from .preferences import preferences_for

logger = logging.getLogger(__name__)

EMAIL_KIND = "notifications.email"
DIGEST_KIND = "notifications.digest"


def digest_dedupe_key(user_id: int) -> str:
    return f"{DIGEST_KIND}:{user_id}"


def send_immediate(payload: dict) -> int:
    """Send the immediate e-mails of `payload["ids"]` still unsent; returns how many went out. Raises after
    trying them all if any failed: the row is retried later for those only."""
    rows = list(
        Notification.objects.filter(
            pk__in=payload.get("ids") or [], emailed=False, mail=Delivery.IMMEDIATE, recipient__is_active=True
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("pk")
    )
    if not rows:
        return 0
    attachments = [tuple(a) for a in payload.get("attachments") or [] if isinstance(a, list) and len(a) == 3]
    mailer = get_connection(fail_silently=False)
    sent, errors = 0, []
    with mailer:
        for n in rows:
            try:
                mailer.send_messages([immediate_message(n, attachments=attachments)])
            except Exception as exc:  # noqa: BLE001  (recorded on the outbox row, retried with backoff)
                errors.append(f"notification {n.pk}: {type(exc).__name__}: {exc}")
                continue
            Notification.objects.filter(pk=n.pk).update(emailed=True)
            sent += 1
    if errors:
        raise RuntimeError(f"{len(errors)} courriel(s) non envoyé(s) sur {len(rows)} : " + " ; ".join(errors))
    return sent


def send_digest(user_id: int) -> tuple[int, int]:
    """Send the agent's pending digest (one e-mail); returns (notifications mailed, notifications dropped).

    In one transaction: the pending rows are locked (skipped if another run holds them, on PostgreSQL), the
    kinds the agent has turned off since are dropped, the rest marked sent, the e-mail sent, then commit. A
    failed send rolls everything back and raises: the rows stay pending for the retry.
    """
    with transaction.atomic():
        rows = Notification.objects.digest_pending().filter(recipient_id=user_id).select_related("recipient")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        rows = list(rows.order_by("pk"))
        if not rows:
            return 0, 0
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
        if keep:
            Notification.objects.filter(pk__in=[n.pk for n in keep]).update(emailed=True)
            get_connection(fail_silently=False).send_messages([digest_message(user, keep)])
        return len(keep), len(dropped)


def _perform_email(payload: dict) -> None:
    send_immediate(payload)


def _perform_digest(payload: dict) -> None:
    send_digest(int(payload["user"]))


def register_outbox_kinds() -> None:
    from intranet.outbox.registry import register_kind

    register_kind(name=EMAIL_KIND, perform=_perform_email, label=_("Courriel de notification"))
    register_kind(name=DIGEST_KIND, perform=_perform_digest, label=_("Résumé quotidien des notifications"))
