"""Closing a member's open board pages when they leave a project's team, and every open board page whose
agent may no longer read the board when the project's visibility changes.

Every board socket joins its agent's group here (`member_group`); `member_remove` sends, after commit, one
« projects.revoke » event naming the workspace, and the agent's sockets on that workspace's boards close
(4403). Reconnecting checks the read right again: a private or secret project refuses them. A disabled
account is cut by the core's per-agent « user.force_close », which the board socket also listens to.

Board events reach the sockets through the process's fan-out (`intranet.fanout`), so the same two events
also travel on each board's live group, in order with the board's moves: the removed agents' sockets leave
the fan-out before the next move is forwarded (`fanout.cut`), and on a visibility change every socket of the
project's boards holds what comes next until it has checked the read right again (one query, only then) and
closes (4403) when it is gone (`fanout.recheck`).
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from intranet import fanout

from .push import board_group


def _board_groups(workspace_id: int) -> list[str]:
    from .models import Board

    return [
        board_group(pk) for pk in Board.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True)
    ]


def member_group(user_id: int) -> str:
    return f"projects.member.{user_id}"


def recheck_board_sockets(*, workspace_id: int) -> None:
    """After the current transaction commits, every open board socket of the workspace checks its agent's
    read right again and closes when it is gone (an open project made private or secret)."""
    groups = _board_groups(workspace_id)
    transaction.on_commit(lambda: fanout.recheck(groups), robust=True)


def close_board_sockets(*, workspace_id: int, user_ids) -> None:
    """After the current transaction commits, close these agents' open boards of the workspace."""
    user_ids = list(user_ids)
    if user_ids:
        groups = _board_groups(workspace_id)
        transaction.on_commit(lambda: _send(workspace_id, user_ids), robust=True)
        for group in groups:
            transaction.on_commit(lambda group=group: fanout.cut(group, user_ids), robust=True)


def _send(workspace_id: int, user_ids: list[int]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all():
        for user_id in user_ids:
            await layer.group_send(
                member_group(user_id), {"type": "projects.revoke", "workspace": workspace_id}
            )

    async_to_sync(send_all)()
