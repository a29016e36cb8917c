"""The bridge's inbound side and its service loops, mixed into `MatrixBridge` (`chat/matrix.py`).

- **Inbound**: `/sync` as the bot from the saved token; new text messages stored once (unique event id), our
  own echoes skipped (the uuid travels in the event content), edits applied, redactions accepted from the
  author or a moderator only; someone joining a bridged room from Matrix without being a member queues a room
  check (`chat.matrix.room`).
- **Loops** (`run_forever`, what `manage.py matrix_bridge` runs): reconcile, then inbound /sync and the
  `matrix` queue of the outbox side by side until stopped.
"""

import asyncio
import contextlib
import logging
import time

import httpx
import nio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from . import matrix as m
from .choices import MemberRole

logger = logging.getLogger("chat.matrix")


class BridgeLoopsMixin:
    # --- Inbound -------------------------------------------------------------------------------------------

    async def sync_once(self, *, timeout_ms: int = 0) -> int:
        """One /sync from the saved token; stores new messages, then saves the next token. Returns how many
        messages were stored."""
        bot = await self.bot_token()
        since = await sync_to_async(m._state_get)(m.SYNC_TOKEN_KEY)
        client = self.nio_client(
            self.bot_user_id, bot, request_timeout=settings.MATRIX_REQUEST_TIMEOUT + timeout_ms / 1000
        )
        try:
            response = await client.sync(
                timeout=timeout_ms,
                since=since or None,
                sync_filter={"room": {"timeline": {"limit": 200}}, "presence": {"not_types": ["*"]}},
            )
        finally:
            await client.close()
        if isinstance(response, nio.SyncError):
            retry = (getattr(response, "retry_after_ms", None) or 0) / 1000
            raise m.MatrixError(
                f"sync: {response.status_code} {response.message}",
                errcode=str(response.status_code),
                retry_after=retry,
            )
        stored = 0
        for room_id, room in response.rooms.join.items():
            # The raw events (`source`): edits, redactions and our uuid marker are read from them.
            events = [event.source for event in room.timeline.events]
            stored += await sync_to_async(self._store_events)(room_id, events)
        await sync_to_async(m._state_set)(m.SYNC_TOKEN_KEY, response.next_batch)
        return stored

    def _store_events(self, room_id: str, events: list[dict]) -> int:
        from .actions import message_store_inbound
        from .models import MatrixAccount, Membership, Message, Salon

        salon = Salon.objects.filter(matrix_room_id=room_id).first()
        if salon is None:
            return 0
        puppets = dict(
            MatrixAccount.objects.filter(deactivated=False).values_list("matrix_user_id", "user_id")
        )
        stored = 0
        intruder = False
        for event in events:
            sender, event_id = event.get("sender", ""), event.get("event_id", "")
            if sender == self.bot_user_id or not event_id:
                continue
            if event.get("type") == "m.room.member":
                intruder = intruder or self._is_intruder(salon, event, puppets)
                continue
            if event.get("type") == "m.room.redaction":
                self._inbound_redaction(salon, event, puppets)
                continue
            if event.get("type") != "m.room.message":
                continue
            content = event.get("content") or {}
            relates = content.get("m.relates_to") or {}
            if relates.get("rel_type") == "m.replace":
                self._inbound_edit(salon, event, puppets)
                continue
            if content.get("msgtype") not in ("m.text", "m.notice", "m.emote"):
                continue
            echo = content.get(m.UUID_KEY)
            if echo and Message.objects.filter(uuid=echo if _is_uuid(echo) else None, salon=salon).exists():
                # Our own message coming back: remember its event id if the sender did not get it yet.
                Message.objects.filter(uuid=echo, matrix_event_id__isnull=True).update(
                    matrix_event_id=event_id
                )
                continue
            author = None
            user_pk = puppets.get(sender)
            if (
                user_pk is not None
                and Membership.objects.filter(salon=salon, user_id=user_pk, user__is_active=True).exists()
            ):
                from django.contrib.auth import get_user_model

                author = get_user_model().objects.get(pk=user_pk)
            text = m.strip_reply_fallback(content.get("body", ""))
            reply_event = (relates.get("m.in_reply_to") or {}).get("event_id", "")
            with transaction.atomic():
                message = message_store_inbound(
                    salon=salon,
                    event_id=event_id,
                    text=text,
                    author=author,
                    matrix_sender=sender,
                    sender_name=sender.split(":")[0].lstrip("@"),
                    reply_to_event=reply_event,
                )
            stored += message is not None
        if intruder:  # someone joined or was invited from Matrix without being a member: the room follows
            from .outbox import ROOM, matrix_later

            with transaction.atomic():
                matrix_later(ROOM, {"salon_id": salon.pk}, f"salon:{salon.pk}")
        return stored

    def _is_intruder(self, salon, event, puppets) -> bool:
        from .models import Membership

        if (event.get("content") or {}).get("membership") not in ("join", "invite"):
            return False
        user_pk = puppets.get(event.get("state_key", ""))
        if event.get("state_key") == self.bot_user_id:
            return False
        return (
            user_pk is None
            or not Membership.objects.filter(salon=salon, user_id=user_pk, user__is_active=True).exists()
        )

    def _may_redact(self, salon, target, sender: str, puppets) -> bool:
        """A redaction from Matrix is accepted from the message's author or a moderator of the salon only
        (Synapse's power levels allow more: a room admin, a server admin)."""
        from .models import Membership

        user_pk = puppets.get(sender)
        if target.author_id:
            if user_pk == target.author_id:
                return True
        elif target.matrix_sender == sender:
            return True
        return (
            user_pk is not None
            and Membership.objects.filter(
                salon=salon, user_id=user_pk, user__is_active=True, role=MemberRole.MODERATOR
            ).exists()
        )

    def _inbound_edit(self, salon, event, puppets) -> None:
        from .actions import _render
        from .models import Message
        from .push import push_to_salon
        from .serializers import message_payload

        content = event["content"]
        target = Message.objects.filter(
            salon=salon, matrix_event_id=content["m.relates_to"].get("event_id")
        ).first()
        new = content.get("m.new_content") or {}
        if target is None or content.get(m.UUID_KEY) or not new.get("body"):
            return
        same_sender = (target.author_id and puppets.get(event["sender"]) == target.author_id) or (
            not target.author_id and target.matrix_sender == event["sender"]
        )
        if not same_sender or target.deleted_at:
            return
        from django.utils import timezone

        target.text = new["body"][: settings.CHAT_MESSAGE_MAX_LENGTH]
        target.html, _mentions = _render(salon, target.text)
        target.edited_at = timezone.now()
        target.save(update_fields=["text", "html", "edited_at"])
        push_to_salon(salon.pk, message_payload(target, "edit"))

    def _inbound_redaction(self, salon, event, puppets) -> None:
        from django.utils import timezone

        from .models import Message
        from .push import push_to_salon
        from .serializers import message_payload

        redacts = event.get("redacts") or (event.get("content") or {}).get("redacts")
        target = Message.objects.filter(salon=salon, matrix_event_id=redacts).first()
        if target is None or target.deleted_at:
            return
        if not self._may_redact(salon, target, event.get("sender", ""), puppets):
            logger.warning(
                "Matrix redaction of %s by %s refused: neither the author nor a moderator",
                redacts,
                event.get("sender"),
            )
            return
        target.deleted_at = timezone.now()
        target.text, target.html = "", ""
        target.save(update_fields=["deleted_at", "text", "html"])
        push_to_salon(salon.pk, message_payload(target, "delete"))

    async def run_forever(
        self, *, timeout_ms: int = 30000, stop: asyncio.Event | None = None, max_backoff: float = 60
    ) -> None:
        """Reconcile, then two loops until `stop`: inbound /sync, and the `matrix` queue of the outbox."""
        from .outbox import matrix_reconcile

        stop = stop or asyncio.Event()
        report = await sync_to_async(matrix_reconcile)()
        logger.info("Matrix bridge reconciliation queued: %s", report)
        loops = [
            asyncio.ensure_future(
                self.inbound_forever(timeout_ms=timeout_ms, stop=stop, max_backoff=max_backoff)
            ),
            asyncio.ensure_future(self.outbox_forever(stop=stop)),
        ]
        try:
            done, _pending = await asyncio.wait(
                [*loops, asyncio.ensure_future(stop.wait())], return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                if task in loops and task.exception():  # a loop died: let the service manager restart us
                    raise task.exception()
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    async def outbox_forever(self, *, stop: asyncio.Event) -> None:
        """Perform the due Matrix rows of the outbox, oldest first; failures are recorded on the rows and
        retried with backoff by the outbox itself."""
        from intranet.outbox.actions import outbox_purge_done
        from intranet.outbox.worker import run_due_async

        from .outbox import MATRIX_QUEUE, matrix_reconcile

        last_purge = time.monotonic()  # run_forever has just reconciled
        while not stop.is_set():
            try:
                done, failed = await run_due_async(queue=MATRIX_QUEUE, bridge=self)
                if time.monotonic() - last_purge > 3600:
                    await sync_to_async(outbox_purge_done)()
                    await sync_to_async(matrix_reconcile)(rooms=False)
                    last_purge = time.monotonic()
            except Exception:  # the database itself: log, wait, try again
                logger.exception("Matrix outbox loop failed; retrying")
                done = failed = 0
                await _pause(stop, 5)
            if not done and not failed:
                await _pause(stop, settings.OUTBOX_POLL_SECONDS)

    async def inbound_forever(
        self, *, timeout_ms: int = 30000, stop: asyncio.Event, max_backoff: float = 60
    ) -> None:
        """The inbound loop: backs off on 429 and on connection errors."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.sync_once(timeout_ms=timeout_ms)
                delay = 1.0
            except m.MatrixError as exc:
                wait = exc.retry_after or delay
                logger.warning("Matrix sync error (%s); retrying in %.1fs", exc, wait)
                await _pause(stop, wait)
                delay = min(delay * 2, max_backoff)
            except (httpx.HTTPError, OSError) as exc:
                logger.warning("Matrix homeserver unreachable (%s); retrying in %.1fs", exc, delay)
                await _pause(stop, delay)
                delay = min(delay * 2, max_backoff)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
