"""The chat's Matrix operations as outbox rows (`intranet.outbox`), queue `matrix`.

Actions call `matrix_later` inside their own transaction: the row exists if and only if the change does.
Only `manage.py matrix_bridge` performs these rows (no web or socket thread talks to Synapse); each performer
reads the current state when it runs and is idempotent, so a row performed twice (a crash after the side
effect) or deduplicated with a later one (same salon, same message) does the right thing once.

At start the bridge reconciles (`matrix_reconcile`): it writes the rows that bring Matrix back in line with
the database (leavers' accounts, bridged rooms' members, unsent messages), whatever was lost meanwhile.
"""

import logging

from asgiref.sync import sync_to_async
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

MATRIX_QUEUE = "matrix"
OUTBOUND = "chat.matrix.outbound"
ROOM = "chat.matrix.room"
DEACTIVATE = "chat.matrix.deactivate"
EDIT = "chat.matrix.edit"
REDACT = "chat.matrix.redact"
REDACT_EVENTS = "chat.matrix.redact_events"
REDACT_BATCH = 100


# --- Writes (inside the caller's transaction) -------------------------------------------------------------


def _bridge_on() -> bool:
    from .matrix import bridge_enabled

    return bridge_enabled()


def matrix_later(kind: str, payload: dict, dedupe_key: str = "") -> None:
    """One Matrix operation to perform after commit, by the bridge. Nothing when the bridge is off: turning
    it on later reconciles at start."""
    if _bridge_on():
        from intranet.outbox.actions import outbox_add

        outbox_add(kind=kind, payload=payload, dedupe_key=dedupe_key)


def matrix_redact_purged(messages) -> None:
    """Messages about to be purged by retention disappear from Element too: their events are redacted (the
    rows will be gone when the bridge runs, so each outbox row carries the room and event ids)."""
    if not _bridge_on():
        return
    events = list(
        messages.filter(matrix_event_id__isnull=False, salon__matrix_room_id__isnull=False)
        .order_by("pk")
        .values_list("salon__matrix_room_id", "matrix_event_id")
    )
    by_room: dict[str, list[str]] = {}
    for room_id, event_id in events:
        by_room.setdefault(room_id, []).append(event_id)
    for room_id, ids in by_room.items():
        for start in range(0, len(ids), REDACT_BATCH):
            matrix_later(REDACT_EVENTS, {"room_id": room_id, "event_ids": ids[start : start + REDACT_BATCH]})


def matrix_reconcile(*, rooms: bool = True) -> dict[str, int]:
    """Rows that bring Matrix in line with the database, whatever happened while the bridge was away:
    inactive agents' accounts deactivated, every bridged room's members made the salon's (non-agents and
    former members removed), unsent messages sent. Deduplicated against rows already waiting.

    The bridge runs it whole at start, and without the rooms every hour: a leaver whose row was never
    written (the web process died between the deactivation's commit and the hook) is caught anyway."""
    from django.db import transaction

    from .models import MatrixAccount, Message, Salon

    with transaction.atomic():
        leavers = list(
            MatrixAccount.objects.filter(deactivated=False, user__is_active=False).values_list(
                "user_id", flat=True
            )
        )
        for user_id in leavers:
            matrix_later(DEACTIVATE, {"user_id": user_id}, f"user:{user_id}")
        bridged = Salon.objects.filter(matrix_room_id__isnull=False).values_list("pk", flat=True)
        rooms = list(bridged) if rooms else []
        for salon_id in rooms:
            matrix_later(ROOM, {"salon_id": salon_id}, f"salon:{salon_id}")
        unsent = list(Message.objects.pending_outbound().values_list("salon_id", flat=True).distinct())
        for salon_id in sorted(set(unsent)):
            matrix_later(OUTBOUND, {"salon_id": salon_id}, f"salon:{salon_id}")
    return {"leavers": len(leavers), "rooms": len(rooms), "unsent_salons": len(set(unsent))}


# --- Performers (run by the bridge, `bridge=` the MatrixBridge) --------------------------------------------


async def _outbound(payload, *, bridge):
    await bridge.send_pending(payload["salon_id"])


async def _room(payload, *, bridge):
    from .models import Salon

    if await sync_to_async(Salon.objects.filter(pk=payload["salon_id"]).exists)():
        await bridge.sync_members(payload["salon_id"])


async def _deactivate(payload, *, bridge):
    from django.contrib.auth import get_user_model

    # Reactivated before the bridge got there: nothing to undo on Matrix.
    active = await sync_to_async(
        get_user_model().objects.filter(pk=payload["user_id"], is_active=True).exists
    )()
    if not active:
        await bridge.deactivate_account(payload["user_id"])


async def _edit(payload, *, bridge):
    from .models import Message

    if await sync_to_async(
        Message.objects.filter(pk=payload["message_id"], deleted_at__isnull=True).exists
    )():
        await bridge.edit(payload["message_id"])


async def _redact(payload, *, bridge):
    from .models import Message

    if await sync_to_async(Message.objects.filter(pk=payload["message_id"]).exists)():
        await bridge.redact(payload["message_id"])


async def _redact_events(payload, *, bridge):
    await bridge.redact_events(payload["room_id"], payload["event_ids"])


def register_matrix_kinds() -> None:
    from intranet.outbox.registry import register_kind

    for name, perform, label in [
        (OUTBOUND, _outbound, _("Matrix : messages du salon à envoyer")),
        (ROOM, _room, _("Matrix : salon à créer, membres à aligner")),
        (DEACTIVATE, _deactivate, _("Matrix : compte d'un agent parti à désactiver")),
        (EDIT, _edit, _("Matrix : message modifié")),
        (REDACT, _redact, _("Matrix : message supprimé")),
        (REDACT_EVENTS, _redact_events, _("Matrix : messages expirés à effacer")),
    ]:
        register_kind(name=name, perform=perform, queue=MATRIX_QUEUE, label=label)
