"""Leavers: deactivate an agent everywhere at once (sessions, tokens, websockets, other apps' hooks).

An account is never deleted: history, authorship and the audit log must survive. Two inactive states
(ldap.md §5): disabled by the directory (the LDAP sync reactivates it when the entry is enabled again) and
suspended locally by IT from either admin (`user_suspend`; only `user_reactivate`, explicit and audited, lifts
it). Both go through `users_deactivate`, the same path as the sync's leavers.
"""

import logging
from collections.abc import Iterable
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import transaction
from django.utils import timezone

from intranet.audit.actions import audit_record
from intranet.audit.choices import Result

from .app_passwords import app_passwords_revoke_all
from .models import PersonalToken, User, UserSession
from .signals import user_deactivated, user_deactivating

logger = logging.getLogger(__name__)


def user_deactivate(*, user: User, reason: str, actor: User | None = None) -> User:
    """Deactivate one agent; see `users_deactivate`."""
    users_deactivate(users=[user], reason=reason, actor=actor)
    user.refresh_from_db()
    return user


@transaction.atomic
def users_deactivate(*, users: Iterable[User], reason: str, actor: User | None = None) -> list[User]:
    """Deactivate agents in bulk: inactive, unusable password, every session ended, personal and OAuth tokens
    and app passwords revoked, open websockets closed, one audit event each, then `user_deactivated` once
    each on commit.

    A query count independent of the number of agents, except the audit events (one row per agent).
    """
    users = [u for u in users if u.pk is not None]
    if not users:
        return []
    ids = [u.pk for u in users]
    now = timezone.now()
    # A new unusable hash changes get_session_auth_hash(): a session the table below missed (another
    # session engine, a login before this table existed) is refused on its next request anyway.
    for user in users:
        user.is_active = False
        user.password = make_password(None)
    User.objects.bulk_update(users, ["is_active", "password"])
    _end_sessions(ids)
    PersonalToken.objects.filter(user_id__in=ids, revoked_at__isnull=True).update(revoked_at=now)
    # Checked on an active account anyway; revoked so that a reactivation does not bring old devices back.
    app_passwords_revoke_all(ids, now=now)
    _revoke_oauth_tokens(ids, now)
    for user in users:
        audit_record(action="user.deactivate", actor=actor, obj=user, extra={"reason": reason})
    # Side effects on other systems recorded with the cause (outbox rows), in this transaction.
    try:
        with transaction.atomic():
            for user in users:
                user_deactivating.send(sender=User, user=user, reason=reason, actor=actor)
    except Exception:
        logger.exception("Recording the side effects of deactivating %s failed", ids)

    def _after_commit():
        try:
            _close_websockets(ids)
        except Exception:  # the channel layer down must not keep the other apps from reacting
            logger.exception("Closing the websockets of deactivated agents %s failed", ids)
        for user in users:
            send_user_deactivated(user=user, reason=reason, actor=actor)

    transaction.on_commit(_after_commit)
    return users


@transaction.atomic
def user_suspend(*, user: User, actor: User | None, request=None) -> User:
    """IT suspends an account locally (an admin screen): everything `users_deactivate` does, and the sync
    will not reactivate it."""
    User.objects.filter(pk=user.pk).update(suspended_at=timezone.now())
    users_deactivate(users=[user], reason="manual", actor=actor)
    user.refresh_from_db()
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor: User | None, request=None) -> User:
    """IT lifts a local suspension (or reactivates a directory-disabled account by hand): active again and
    audited. The password stays unusable: directory agents log in with the directory's, a local account needs
    IT to set a new one."""
    was_suspended = user.suspended_at is not None
    User.objects.filter(pk=user.pk).update(is_active=True, suspended_at=None)
    audit_record(
        action="user.reactivate",
        actor=actor,
        request=request,
        obj=user,
        extra={"was_suspended": was_suspended},
    )
    user.refresh_from_db()
    return user


def user_active_state_changed(*, user: User, was_active: bool, actor: User | None, request=None) -> None:
    """An admin screen saved `is_active` (Wagtail « Utilisateurs », its bulk action, the Django admin): turn
    the bare flag change into the real action, so that no admin can deactivate without ending sessions,
    tokens, sockets, salons, Matrix and bookings, nor reactivate without an audit event."""
    if was_active and not user.is_active:
        user_suspend(user=user, actor=actor, request=request)
    elif not was_active and user.is_active:
        user_reactivate(user=user, actor=actor, request=request)


def send_user_deactivated(*, user: User, reason: str, actor: User | None = None) -> list:
    """`user_deactivated` to every receiver, even when one fails: each failure is logged with its traceback
    and recorded in the access log (« Journal d'accès », result « échoué ») for IT. Returns the failures as
    (receiver, exception) pairs."""
    failures = [
        (receiver, response)
        for receiver, response in user_deactivated.send_robust(
            sender=User, user=user, reason=reason, actor=actor
        )
        if isinstance(response, Exception)
    ]
    for receiver, error in failures:
        name = f"{getattr(receiver, '__module__', '')}.{getattr(receiver, '__qualname__', receiver)}"
        logger.error("user_deactivated receiver %s failed for %s", name, user, exc_info=error)
        audit_record(
            action="user.deactivate_hook_failed",
            obj=user,
            result=Result.FAILURE,
            actor_label="system",
            extra={"receiver": name, "error": f"{type(error).__name__}: {error}"[:500]},
        )
    return failures


def _end_sessions(user_ids: list[int]) -> None:
    keys = list(UserSession.objects.filter(user_id__in=user_ids).values_list("session_key", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if issubclass(store, DbSessionStore):
        store.get_model_class().objects.filter(session_key__in=keys).delete()
    else:
        for key in keys:
            store(session_key=key).delete()
    UserSession.objects.filter(user_id__in=user_ids).delete()


def _revoke_oauth_tokens(user_ids: list[int], now) -> None:
    """Tokens given to client applications (OIDC provider) die with the account."""
    if not apps.is_installed("oauth2_provider"):
        return
    from oauth2_provider.models import get_access_token_model, get_id_token_model, get_refresh_token_model

    get_refresh_token_model().objects.filter(user_id__in=user_ids, revoked__isnull=True).update(revoked=now)
    get_access_token_model().objects.filter(user_id__in=user_ids).delete()
    get_id_token_model().objects.filter(user_id__in=user_ids).delete()


def _close_websockets(user_ids: list[int]) -> None:
    """Ask every open websocket of these agents to close (the consumers listen on the per-user group)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from intranet.notifications.push import user_group

    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all():
        for user_id in user_ids:
            await layer.group_send(user_group(user_id), {"type": "user.force_close"})

    async_to_sync(send_all)()
