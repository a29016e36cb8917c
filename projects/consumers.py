"""The board page's live socket: it only listens. Moves are made over HTTP (`card_move`), which checks the
edit right; this socket checks the read right at connect, so a secret project's board stays closed to
outsiders here too."""

from channels.db import database_sync_to_async
from django.http import Http404

from intranet.people.sessions import session_group
from intranet.sockets import JsonSocketConsumer

from .permissions import access_board
from .push import board_group

CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _may_read(user, board_id) -> bool:
    try:
        access_board(user, board_id, need="read")
    except Http404:
        return False
    return True


class BoardConsumer(JsonSocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        board_id = self.scope["url_route"]["kwargs"]["board_id"]
        if (
            user is None
            or not user.is_authenticated
            or not user.is_active
            or not await _may_read(user, board_id)
        ):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.groups_joined = [board_group(int(board_id))]
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

    async def board_event(self, event):
        await self.send_json(event["payload"])

    async def session_close(self, event):
        await self.close(code=4401)
