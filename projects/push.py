"""Live events of a board over the channel layer: one group per board, fed after commit, each event serialised
once here (the sockets forward the text as is)."""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def board_group(board_id: int) -> str:
    return f"projects.board.{board_id}"


def push_to_board(board_id: int, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    async_to_sync(layer.group_send)(board_group(board_id), {"type": "board.event", "text": text})
