"""The board page's live socket: it only listens. Moves are made over HTTP (`card_move`), which checks the
edit right; this socket checks the read right at connect, so a secret project's board stays closed to
outsiders here too."""

from channels.db import database_sync_to_async
from django.http import Http404

from intranet.notifications.push import user_group
from intranet.people.sessions import session_group
from intranet.sockets import JsonSocketConsumer

from .permissions import access_board, forget_roles
from .push import board_group
from .revoke import member_group, workspace_group

CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _readable_workspace(user, board_id) -> int | None:
    """The board's workspace id when the agent may read the board, else None (asked of the database each
    time: the roles cached on the connection's user are forgotten first)."""
    forget_roles(user)
    try:
        board, _access = access_board(user, board_id, need="read")
    except Http404:
        return None
    return board.workspace_id


class BoardConsumer(JsonSocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        board_id = self.scope["url_route"]["kwargs"]["board_id"]
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.workspace_id = await _readable_workspace(user, board_id)
        if self.workspace_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # The agent's groups: leaving the team (projects.revoke), a disabled account (user.force_close), and
        # the project's, for a visibility change (projects.recheck).
        self.revoked = False
        self.groups_joined = [
            board_group(int(board_id)),
            member_group(user.pk),
            user_group(user.pk),
            workspace_group(self.workspace_id),
        ]
        sg = session_group(getattr(self.scope.get("session"), "session_key", None))
        if sg:
            self.groups_joined.append(sg)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # Read-only socket: writes go through the HTTP actions and their permission checks.
        return

    async def dispatch(self, message):
        if message["type"] == "board.event":
            if self.revoked:
                return  # closing: nothing more of the board reaches this page
            # Once per open page for every move: the text was serialised once (push.py) and needs no database,
            # so it skips Channels' per-message close_old_connections, a hop to the one sync thread that the
            # HTTP views wait for too (a move to a board open in 200 pages made 200 such hops, B11).
            await self.base_send({"type": "websocket.send", "text": message["text"]})
            return
        await super().dispatch(message)

    async def session_close(self, event):
        await self.close(code=4401)

    async def user_force_close(self, event):
        """The account was disabled, or all its sessions ended (intranet.people.sessions)."""
        await self.close(code=4401)

    async def notification_event(self, event):
        """Notifications travel on the same per-agent group; the notifications socket shows them."""
        return

    async def projects_revoke(self, event):
        if event.get("workspace") == self.workspace_id:
            self.revoked = True
            await self.close(code=CLOSE_FORBIDDEN)

    async def projects_recheck(self, event):
        """The project's visibility changed: still allowed to read this board? Messages are handled one at a
        time, so no later move is forwarded before this answer."""
        if event.get("workspace") != self.workspace_id or self.revoked:
            return
        board_id = self.scope["url_route"]["kwargs"]["board_id"]
        if await _readable_workspace(self.scope["user"], board_id) is None:
            self.revoked = True
            await self.close(code=CLOSE_FORBIDDEN)
