"""Live delivery: one live group per salon, fed after commit through the core fan-out (`intranet.fanout`),
each event serialised once."""

from intranet import fanout


def salon_group(salon_id: int) -> str:
    return f"chat.salon.{salon_id}"


def push_to_salon(salon_id: int, payload: dict) -> None:
    """Send one JSON event to every open page of the salon. The consumers forward the text as is."""
    fanout.publish(salon_group(salon_id), payload)


def cut_delivery(salon_id: int, user_ids: list[int]) -> None:
    """Removed members: their open sockets on this salon leave the fan-out and close at once."""
    fanout.cut(salon_group(salon_id), user_ids)
