"""Live push over the channel layer: one group per agent, fed after commit."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_group(user_id: int) -> str:
    return f"notifications.user.{user_id}"


def push_to_users(messages: dict[int, dict]) -> None:
    """`messages` maps a user id to the JSON-able event to deliver to that user's open pages."""
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(_send_all)
    send(layer, messages)


async def _send_all(layer, messages):
    for user_id, payload in messages.items():
        await layer.group_send(user_group(user_id), {"type": "notification.event", "payload": payload})
