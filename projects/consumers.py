"""The board page's live socket. Moves of every open page reach it through the process's fan-out
(`intranet.fanout`), serialised once. The page may also make its moves over this socket (drag and drop):
each one is checked like the HTTP « Déplacer » route — the session still current (R13), the edit right asked
of the database again, the card of this board — and goes through the same action. The read right is checked
at connect, so a secret project's board stays closed to outsiders here too."""

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from intranet.fanout import FanoutSocket
from intranet.notifications.push import user_group
from intranet.params import is_valid_id
from intranet.people.sessions import session_group, session_matches
from intranet.sockets import JsonSocketConsumer

from .permissions import access_board, access_card, forget_roles
from .push import board_group
from .revoke import member_group

CLOSE_FORBIDDEN = 4403
CLOSE_UNAUTHENTICATED = 4401
CLOSE_TOO_SLOW = 1013  # "try again later": the page reconnects and reloads


class SessionEnded(Exception):
    """The session this socket was opened under no longer logs its agent in (R13)."""


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


def _position(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
        return None
    return value


@database_sync_to_async
def _move(session_key, user, board_id: int, content: dict) -> dict:
    """One move asked over the socket, in one trip to the database thread. Raises SessionEnded, or Http404
    when the card is not one of this board's or the agent may not edit it (the same answer for both)."""
    from . import actions
    from .models import Column

    # What the session check and the rights need of the agent's row (not its search vector, for instance).
    fresh = (
        get_user_model()
        .objects.filter(pk=user.pk, is_active=True)
        .only("id", "password", "is_active", "is_superuser", "username")
        .first()
    )
    if not session_matches(session_key, user, fresh):
        raise SessionEnded
    card_id, column_id = content.get("card"), content.get("column")
    if not is_valid_id(card_id) or not isinstance(card_id, int):
        raise Http404
    if not is_valid_id(column_id) or not isinstance(column_id, int):
        column_id = 0  # no column has that id: refused below like another board's
    card, _access = access_card(fresh, card_id, need="edit", target_column=column_id)
    if card.board_id != board_id:
        raise Http404
    position = _position(content.get("position"))
    if card.target_column_id is None:
        raise ValidationError(_("Choisissez une colonne de ce tableau."))
    column = Column(pk=card.target_column_id, board_id=card.board_id)
    if position is None:
        raise ValidationError(_("Choisissez une position dans la liste."))
    card = actions.card_move(card=card, column=column, position=position, actor=fresh)
    return {"type": "moved", "ref": content.get("ref"), "card": card.pk, "column": column.pk}


class BoardConsumer(FanoutSocket, JsonSocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        self.board_id = int(self.scope["url_route"]["kwargs"]["board_id"])
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.workspace_id = await _readable_workspace(user, self.board_id)
        if self.workspace_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = user.pk
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        # The agent's groups: leaving the team (projects.revoke) and a disabled account (user.force_close);
        # the board's own events, and the rechecks of a visibility change, come through the fan-out.
        self.groups_joined = [member_group(user.pk), user_group(user.pk)]
        sg = session_group(self.session_key)
        if sg:
            self.groups_joined.append(sg)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.join_live(board_group(self.board_id))
        # A change committed between the first check and the join was not seen by this socket: check again
        # now that any later one will reach it.
        if await _readable_workspace(user, self.board_id) is None:
            await self.disconnect(CLOSE_FORBIDDEN)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        self.start_writer()

    async def disconnect(self, code):
        await self.leave_live()
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "move":
            await self.send_json({"type": "error", "message": _("Commande inconnue.")})
            return
        try:
            answer = await _move(self.session_key, self.scope["user"], self.board_id, content)
        except SessionEnded:
            await self._closing(CLOSE_UNAUTHENTICATED)
            return
        except Http404:
            message = _("Vous ne pouvez pas déplacer cette carte.")
            answer = {"type": "error", "ref": content.get("ref"), "message": message}
        except ValidationError as exc:
            answer = {"type": "error", "ref": content.get("ref"), "message": " ".join(exc.messages)}
        await self.send_json(answer)

    async def still_allowed(self) -> bool:
        return await _readable_workspace(self.scope["user"], self.board_id) is not None

    async def revoke(self):
        """The agent left the team, or may no longer read the board."""
        await self._closing(CLOSE_FORBIDDEN)

    async def overflow(self):
        """The page stopped reading: it leaves the fan-out now and is closed; it reconnects and reloads. The
        close itself waits for the client to read (uvicorn's send waits for the transport to drain), so this
        consumer's own task is asked to give up and the server drops the connection."""
        if self.live_group is None:
            return  # already leaving
        await self.disconnect(CLOSE_TOO_SLOW)
        await self.channel_layer.send(self.channel_name, {"type": "board.overflow"})

    async def board_overflow(self, event):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.close(code=CLOSE_TOO_SLOW), timeout=1)
        raise StopConsumer

    async def _closing(self, code: int) -> None:
        if self.live_group is None and not getattr(self, "groups_joined", None):
            return  # already leaving
        await self.disconnect(code)
        await self.close(code=code)

    async def session_close(self, event):
        await self._closing(CLOSE_UNAUTHENTICATED)

    async def user_force_close(self, event):
        """The account was disabled, or all its sessions ended (intranet.people.sessions)."""
        await self._closing(CLOSE_UNAUTHENTICATED)

    async def notification_event(self, event):
        """Notifications travel on the same per-agent group; the notifications socket shows them."""
        return

    async def projects_revoke(self, event):
        if event.get("workspace") == self.workspace_id:
            await self._closing(CLOSE_FORBIDDEN)
