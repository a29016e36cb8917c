from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from intranet import dashboard

from .models import Notification
from .push import push_to_users
from .tasks import send_notification_emails


def _payload(notification: Notification, unread: int) -> dict:
    return {
        "kind": "created",
        "id": notification.pk,
        "verb": notification.verb,
        "text": notification.text,
        "url": notification.url,
        "created_at": notification.created_at.isoformat(),
        "unread": unread,
    }


def notify(
    *, recipients: Iterable, verb: str, text: str, url: str = "", email: bool = False
) -> list[Notification]:
    """Notify agents in-app (live on their open pages) and, if asked, by e-mail, once the transaction commits.

    `recipients` are users or user ids; inactive accounts and duplicates are skipped.
    """
    ids = {getattr(r, "pk", r) for r in recipients}
    if not ids:
        return []
    # Only links inside the intranet: a notification must never send an agent elsewhere.
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        url = ""
    active = list(get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            [Notification(recipient_id=uid, verb=verb[:64], text=text[:500], url=url[:500]) for uid in active]
        )
        dashboard.bump(dashboard.NOTIFICATIONS, users=active)
        # robust: a channel layer or queue outage must not turn a committed action into an error page; the
        # notification is saved and shows on the agent's next page load.
        transaction.on_commit(lambda: _push_created(created), robust=True)
        if email:
            # bulk_create fills primary keys on PostgreSQL and SQLite >= 3.35.
            ids_to_mail = [n.pk for n in created]
            transaction.on_commit(lambda: send_notification_emails.enqueue(ids_to_mail), robust=True)
    return created


def _push_created(created: list[Notification]) -> None:
    counts = unread_counts([n.recipient_id for n in created])
    push_to_users({n.recipient_id: _payload(n, counts.get(n.recipient_id, 0)) for n in created})


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    rows = (
        Notification.objects.unread()
        .filter(recipient_id__in=user_ids)
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    return dict(rows)


def _push_counts(user_id: int) -> None:
    unread = unread_counts([user_id]).get(user_id, 0)
    push_to_users({user_id: {"kind": "read", "unread": unread}})


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        dashboard.bump(dashboard.NOTIFICATIONS, users=[notification.recipient_id])
        transaction.on_commit(lambda: _push_counts(notification.recipient_id), robust=True)
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    updated = Notification.objects.for_user(user).unread().update(read_at=timezone.now())
    if updated:
        dashboard.bump(dashboard.NOTIFICATIONS, users=[user])
        transaction.on_commit(lambda: _push_counts(user.pk), robust=True)
    return updated
