"""The salon websocket: live messages in, live messages out.

Session auth (AuthMiddlewareStack) behind AllowedHostsOriginValidator (intranet.asgi). Membership is checked
when the socket connects (no history, no group otherwise) and again on every message the client sends.
Removing a member sends "fanout.revoke" to the salon group: their sockets leave the fan-out and close at once.
Events arrive pre-serialised (push.py); the process's fan-out (`intranet.fanout`) puts them in each socket's
bounded queue and the socket's own writer task sends them. A client that stops reading fills its queue and is
closed with 1013 (try again later): it reconnects and catches up, and never delays the other sockets.

No missed message: on every (re)connect the page sends `{"type": "resume", "after": <last id it has>,
"since": <cursor>, "oldest": <first id it shows>}` and receives what it missed, edits and deletions
included, in bounded batches (`more`: ask again from the last id). Membership is checked again after the
socket joins the fan-out, so a removal between the first check and the join is not missed.
"""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from intranet.fanout import FanoutSocket
from intranet.notifications.push import user_group
from intranet.params import BadParameter, is_valid_id, parse_datetime, parse_id
from intranet.people.sessions import session_group, session_matches
from intranet.sockets import JsonSocketConsumer

from .push import salon_group

CLOSE_FORBIDDEN = 4403
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_SLOW = 1013  # "try again later": the page reconnects and catches up


@database_sync_to_async
def _is_member(user, salon_id: int) -> bool:
    from .models import Membership

    return Membership.objects.filter(user_id=user.pk, salon_id=salon_id, user__is_active=True).exists()


class SessionEnded(Exception):
    """The session this socket was opened under no longer logs its agent in (R13)."""


@database_sync_to_async
def _command(session_key, user, salon_id: int, content: dict) -> dict | None:
    """One client command in one trip to the database thread: the session re-check (R13), the membership
    re-check, then the action. Returns an answer for this socket only, or None; raises SessionEnded or
    PermissionDenied. The membership, the agent's row (the session check needs it fresh) and the salon come
    in one query."""
    from django.contrib.auth import get_user_model

    from .models import Membership

    membership = (
        Membership.objects.select_related("salon", "user")
        .filter(user_id=user.pk, salon_id=salon_id, user__is_active=True)
        .first()
    )
    fresh = membership.user if membership is not None else None
    if fresh is None:  # not a member, or not active: which one decides how the socket closes
        fresh = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    if not session_matches(session_key, user, fresh):
        raise SessionEnded
    if membership is None:
        raise PermissionDenied
    return _handle(membership, fresh, salon_id, content)


def _handle(membership, fresh, salon_id: int, content: dict) -> dict | None:
    """Run one client command of a checked member through the actions."""
    from . import actions
    from .models import Message

    kind = content.get("type")
    if kind == "post":
        reply_to = None
        if content.get("reply_to"):
            reply_to = Message.objects.filter(salon_id=salon_id, uuid=_uuid(content["reply_to"])).first()
        message = actions.message_post(
            salon=membership.salon, author=fresh, text=str(content.get("text", "")), reply_to=reply_to
        )
        return {
            "type": "posted",
            "uuid": str(message.uuid),
            "id": message.pk,
            "client_id": content.get("client_id"),
        }
    if kind in ("edit", "delete"):
        message = (
            Message.objects.select_related("salon")
            .filter(salon_id=salon_id, uuid=_uuid(content.get("uuid")))
            .first()
        )
        if message is None:
            raise PermissionDenied
        if kind == "edit":
            actions.message_edit(message=message, user=fresh, text=str(content.get("text", "")))
        else:
            actions.message_delete(message=message, user=fresh)
        return None
    if kind == "resume":
        return _resume(membership.salon, content)
    if kind == "read":
        up_to = content.get("id")
        # An id beyond 64 bits (or not a number) is ignored: it would overflow the database's bigint.
        up_to = parse_id(up_to) if isinstance(up_to, int) and is_valid_id(up_to) else None
        actions.membership_mark_read(membership=membership, up_to=up_to)
        return None
    return {"type": "error", "message": _("Commande inconnue.")}


def _resume(salon, content: dict) -> dict:
    """One batch of what the page missed (queries.catch_up), in the live events' shape."""
    from .queries import catch_up
    from .serializers import message_payload

    after = content.get("after")
    after = after if is_valid_id(after) else 0
    oldest = content.get("oldest")
    oldest = oldest if is_valid_id(oldest) else None
    try:
        since = parse_datetime(content.get("since") if isinstance(content.get("since"), str) else None)
    except BadParameter:
        since = None
    found = catch_up(salon, after=int(after), since=since, oldest=int(oldest) if oldest else None)
    return {
        "type": "resume",
        "messages": [message_payload(m) for m in found.messages],
        "changes": [message_payload(m, _change_kind(m)) for m in found.changes],
        "more": found.more,
        "reload": found.reload,
        "since": found.cursor.isoformat(),
    }


def _change_kind(message) -> str:
    if message.deleted_at is not None:
        return "delete"
    return "edit" if message.edited_at is not None else "message"


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class SalonConsumer(FanoutSocket, JsonSocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        self.salon_id = int(self.scope["url_route"]["kwargs"]["salon_id"])
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await _is_member(user, self.salon_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = user.pk
        # Salon events come through this process's fan-out; the per-user group carries force_close.
        self.groups_joined = [user_group(user.pk)]
        await self.channel_layer.group_add(self.groups_joined[0], self.channel_name)
        # The session's group carries "session.close" when this session logs out (intranet.people.sessions).
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_group(self.session_key):
            self.groups_joined.append(session_group(self.session_key))
            await self.channel_layer.group_add(self.groups_joined[-1], self.channel_name)
        await self.join_live(salon_group(self.salon_id))
        # A removal committed between the first check and the join sent its revoke before this socket was
        # in the fan-out: check again now that any later revoke will reach it.
        if not await _is_member(user, self.salon_id):
            await self.disconnect(CLOSE_FORBIDDEN)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        self.start_writer()

    async def disconnect(self, code):
        await self.leave_live()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def overflow(self):
        """Called by the fan-out when this socket's queue is full: close it; the page reconnects and
        catches up."""
        if self.live_group is None:
            return  # already leaving
        await self.disconnect(CLOSE_TOO_SLOW)
        # The close itself waits for the client to read (uvicorn's send waits for the transport to drain):
        # ask this consumer's own task to give up, so the server drops the connection.
        await self.channel_layer.send(self.channel_name, {"type": "chat.overflow"})

    async def chat_overflow(self, event):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.close(code=CLOSE_TOO_SLOW), timeout=1)
        raise StopConsumer

    async def revoke(self):
        """Called by the fan-out when this agent was removed from the salon."""
        await self._revoked()

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        # R13: a socket outlives nothing. If its session ended (logout, password change, deactivation) and
        # the close has not reached it yet, the command is refused and the socket closed.
        try:
            answer = await _command(
                getattr(self, "session_key", None), self.scope["user"], self.salon_id, content
            )
        except SessionEnded:
            await self.session_close({})
            return
        except PermissionDenied:
            await self._revoked()
            return
        except ValidationError as exc:
            messages = exc.message_dict.get("text") if hasattr(exc, "error_dict") else exc.messages
            await self.send_json(
                {
                    "type": "error",
                    "message": " ".join(messages or exc.messages),
                    "client_id": content.get("client_id"),
                }
            )
            return
        if answer is not None:
            await self.send_json(answer)

    async def _revoked(self):
        await self.disconnect(CLOSE_FORBIDDEN)
        await self.close(code=CLOSE_FORBIDDEN)

    async def session_close(self, event):
        """The session this socket was opened under ended (logout)."""
        await self.disconnect(CLOSE_UNAUTHENTICATED)
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def user_force_close(self, event):
        """The agent was deactivated (intranet.people.leavers)."""
        await self.disconnect(CLOSE_UNAUTHENTICATED)
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def notification_event(self, event):
        """Notifications travel on the same per-user group; the notifications socket shows them."""
        return
