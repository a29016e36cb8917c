"""The salon websocket: live messages in, live messages out.

Session auth (AuthMiddlewareStack) behind AllowedHostsOriginValidator (intranet.asgi). Membership is checked
when the socket connects (no history, no group otherwise) and again on every message the client sends.
Removing a member sends "chat.revoke" to the salon group: their sockets leave the fan-out and close at once.
Events arrive pre-serialised (push.py) and are written by the process's fan-out (fanout.py) straight to the
salon's sockets: no query and no task wake-up per recipient.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from intranet.notifications.push import user_group

from .fanout import fanout
from .push import salon_group

CLOSE_FORBIDDEN = 4403
CLOSE_UNAUTHENTICATED = 4401


@database_sync_to_async
def _is_member(user, salon_id: int) -> bool:
    from .models import Membership

    return Membership.objects.filter(user_id=user.pk, salon_id=salon_id, user__is_active=True).exists()


@database_sync_to_async
def _handle(user, salon_id: int, content: dict) -> dict | None:
    """Run one client command through the actions; returns an answer for this socket only, or None."""
    from django.contrib.auth import get_user_model

    from . import actions
    from .models import Membership, Message

    membership = Membership.objects.select_related("salon").filter(user_id=user.pk, salon_id=salon_id).first()
    fresh = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    if membership is None or fresh is None:
        raise PermissionDenied
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
    if kind == "read":
        up_to = content.get("id")
        actions.membership_mark_read(membership=membership, up_to=up_to if isinstance(up_to, int) else None)
        return None
    return {"type": "error", "message": _("Commande inconnue.")}


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class SalonConsumer(AsyncJsonWebsocketConsumer):
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
        self.salon_group = salon_group(self.salon_id)
        self.groups_joined = [user_group(user.pk)]
        await self.channel_layer.group_add(self.groups_joined[0], self.channel_name)
        await fanout().join(self.salon_group, self)
        await self.accept()

    async def disconnect(self, code):
        if getattr(self, "salon_group", None):
            await fanout().leave(self.salon_group, self)
            self.salon_group = None
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def revoke(self):
        """Called by the fan-out when this agent was removed from the salon."""
        await self._revoked()

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        try:
            answer = await _handle(self.scope["user"], self.salon_id, content)
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

    async def user_force_close(self, event):
        """The agent was deactivated (intranet.people.leavers)."""
        await self.disconnect(CLOSE_UNAUTHENTICATED)
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def notification_event(self, event):
        """Notifications travel on the same per-user group; the notifications socket shows them."""
        return
