"""Live delivery over the channel layer: one group per salon, fed after commit, each event serialised once."""

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def salon_group(salon_id: int) -> str:
    return f"chat.salon.{salon_id}"


def push_to_salon(salon_id: int, payload: dict) -> None:
    """Send one JSON event to every open page of the salon. The consumers forward the text as is."""
    layer = get_channel_layer()
    if layer is None:
        return
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    group = salon_group(salon_id)
    async_to_sync(layer.group_send)(group, {"type": "chat.event", "group": group, "text": text})


def cut_delivery(salon_id: int, user_ids: list[int]) -> None:
    """Removed members: their open sockets on this salon leave the group and close at once."""
    layer = get_channel_layer()
    if layer is None or not user_ids:
        return
    group = salon_group(salon_id)
    async_to_sync(layer.group_send)(
        group, {"type": "chat.revoke", "group": group, "user_ids": list(user_ids)}
    )
