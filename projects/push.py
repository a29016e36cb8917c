"""Live events of a board: one live group per board, fed after commit through the core fan-out
(`intranet.fanout`), each event serialised once (the sockets forward the text as is)."""

from intranet import fanout


def board_group(board_id: int) -> str:
    return f"projects.board.{board_id}"


def push_to_board(board_id: int, payload: dict) -> None:
    fanout.publish(board_group(board_id), payload)
