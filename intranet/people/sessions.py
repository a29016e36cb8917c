"""Sessions and what hangs on them (R13): the websockets opened under a session close when it ends.

Every websocket joins the group of its session (`session_group`) beside the per-user group. Logging out
sends "session.close" to that group only (the agent's other devices stay connected); a password change, a
deactivation or « Se déconnecter partout » end every session of the agent and send "user.force_close" to the
per-user group. Consumers also re-check their session on each message a client sends (`session_is_current`),
so a close that was missed (a socket on another worker while the layer was down) cannot let it post.
"""

import hashlib
from importlib import import_module

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.db import transaction
from django.utils.crypto import constant_time_compare


def session_group(session_key: str | None) -> str | None:
    """The channel-layer group of one session's websockets. Hashed: the key is a credential and the layer
    (Redis) is not the place to keep it."""
    if not session_key:
        return None
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def session_is_current(session_key: str | None, user) -> bool:
    """Whether the session a websocket was opened under still logs in `user`: it exists, names the same user
    and backend, the user is active and the password has not changed since (Django's session auth hash).
    Reads the session and the user afresh (synchronous: call through database_sync_to_async)."""
    from django.contrib.auth import get_user_model

    if not session_key or user is None or not getattr(user, "pk", None):
        return False
    fresh = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    return session_matches(session_key, user, fresh)


def session_matches(session_key: str | None, user, fresh) -> bool:
    """`session_is_current` for a caller that has just read the user's row itself (`fresh`: the active user
    with that pk, or None), e.g. joined to the row it needs anyway: one query fewer per command."""
    if not session_key or user is None or not getattr(user, "pk", None) or fresh is None:
        return False
    if fresh.pk != user.pk or not fresh.is_active:
        return False
    # load() answers {} for a session that was deleted or has expired.
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).load()
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    return constant_time_compare(data.get(HASH_SESSION_KEY) or "", fresh.get_session_auth_hash())


def close_session_sockets(session_keys) -> None:
    """Close the websockets opened under these sessions, after the current transaction commits."""
    groups = [g for g in (session_group(k) for k in session_keys) if g]
    if groups:
        transaction.on_commit(lambda: _send(groups, "session.close"))


def close_user_sockets(user_ids) -> None:
    """Close every websocket of these agents, after the current transaction commits."""
    from intranet.notifications.push import user_group

    groups = [user_group(pk) for pk in user_ids]
    if groups:
        transaction.on_commit(lambda: _send(groups, "user.force_close"))


def _send(groups: list[str], kind: str) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all():
        for group in groups:
            await layer.group_send(group, {"type": kind})

    async_to_sync(send_all)()


def end_sessions(user_ids, *, keep: str | None = None) -> int:
    """Delete every tracked session of these agents (except `keep`), without scanning the session table.
    Returns how many were ended."""
    from .models import UserSession

    rows = UserSession.objects.filter(user_id__in=list(user_ids))
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    end_session_keys(keys)
    return len(keys)


def end_session_keys(keys: list[str]) -> None:
    from .models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore
    if issubclass(store, DbSessionStore):
        store.get_model_class().objects.filter(session_key__in=keys).delete()
    else:
        for key in keys:
            store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
