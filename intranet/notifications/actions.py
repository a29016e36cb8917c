from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from intranet import dashboard
from intranet.outbox.actions import outbox_add
from intranet.outbox.tasks import outbox_perform_soon

from .kinds import Delivery, Kind, is_configurable, kind_for_verb
from .models import Notification, NotificationPreference
from .outbox import EMAIL_KIND
from .preferences import DIGEST_TOKEN_KIND, preference_subquery, preferences_for, resolve_delivery
from .push import push_to_users


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
    *,
    recipients: Iterable,
    verb: str,
    text: str,
    url: str = "",
    email: bool = False,
    kind: str | None = None,
    place: str = "",
    attachments: Sequence[tuple[str, str, str]] = (),
) -> list[Notification]:
    """Notify agents in-app (live on their open pages) and, if the event deserves it, by e-mail.

    `recipients` are users or user ids; inactive accounts and duplicates are skipped. The kind comes from the
    verb (kinds.kind_for_verb) unless `kind` names it. `email=True` says the event deserves mail; each
    recipient's preference for the kind then decides: sent through the outbox once the transaction commits
    (retried until it goes out), kept for the daily digest, or not mailed. `email=False` keeps it in-app only
    whatever the preferences. `place` (a space, a salon, a room) groups the digest: « 3 nouvelles versions
    dans Finances ».

    `attachments` (file name, text content, MIME type), such as a booking's .ics invitation, go with the
    immediate e-mails of this call: they are stored in its outbox row, so a retry sends them too. A digest
    carries no attachment (its line links to the page where the file is).
    """
    ids = {getattr(r, "pk", r) for r in recipients}
    if not ids:
        return []
    kind = kind if kind in Kind.values else kind_for_verb(verb)
    # Only links inside the intranet: a notification must never send an agent elsewhere.
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        url = ""
    # The preference comes in the same query as the active accounts: notify() costs no extra query.
    users = get_user_model().objects.filter(pk__in=ids, is_active=True)
    if email:
        rows = list(users.annotate(pref=preference_subquery(kind)).values_list("pk", "pref"))
    else:
        rows = [(pk, None) for pk in users.values_list("pk", flat=True)]
    active = [pk for pk, _pref in rows]
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=uid,
                    verb=verb[:64],
                    text=text[:500],
                    url=url[:500],
                    kind=kind,
                    place=place[:200],
                    mail=resolve_delivery(kind, pref, email=email),
                )
                for uid, pref in rows
            ]
        )
        dashboard.bump(dashboard.NOTIFICATIONS, users=active)
        # robust: a channel layer or queue outage must not turn a committed action into an error page; the
        # notification is saved and shows on the agent's next page load.
        transaction.on_commit(lambda: _push_created(created), robust=True)
        # bulk_create fills primary keys on PostgreSQL and SQLite >= 3.35. The e-mails are an outbox row of
        # this transaction (R12): performed as soon as it commits, retried by outbox_worker if that fails.
        ids_to_mail = [n.pk for n in created if n.mail == Delivery.IMMEDIATE]
        if ids_to_mail:
            payload = {"ids": ids_to_mail}
            if attachments:
                payload["attachments"] = [
                    [str(name), str(content), str(mimetype)] for name, content, mimetype in attachments
                ]
            outbox_perform_soon(outbox_add(kind=EMAIL_KIND, payload=payload))
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


def notification_preferences_set(*, user, choices: dict[str, str]) -> None:
    """Store the agent's choice for each configurable kind given (validated by the form). One query."""
    now = timezone.now()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, delivery=delivery, updated_at=now)
            for kind, delivery in choices.items()
            if is_configurable(kind) and delivery in Delivery.values
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["delivery", "updated_at"],
    )


@transaction.atomic
def notification_unsubscribe(*, user, kind: str) -> list[str]:
    """An unsubscribe link followed and confirmed: no more e-mail for `kind` (or, for the digest's own link,
    for every kind the agent receives in the digest). Pending digest rows of those kinds are dropped from the
    mailbox too. Returns the kinds turned off."""
    current = preferences_for(user)
    if kind == DIGEST_TOKEN_KIND:
        kinds = [k for k, delivery in current.items() if delivery == Delivery.DIGEST]
    else:
        kinds = [kind] if is_configurable(kind) else []
    if kinds:
        notification_preferences_set(user=user, choices=dict.fromkeys(kinds, Delivery.NONE))
        pending = Notification.objects.digest_pending().filter(recipient=user, kind__in=kinds)
        pending.update(mail=Delivery.NONE)
    return kinds
