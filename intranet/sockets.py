"""The base of the product's JSON websockets: a frame the server cannot read is answered, never a crash."""

import asyncio
import contextlib

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from intranet.params import BadParameter, parse_json


def _unstorable(content) -> bool:
    """A NUL or a lone surrogate (« \\ud800 » is valid JSON) in any string: neither can be stored in the
    database nor encoded to UTF-8 when sent back."""
    stack = [content]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node or any("\ud800" <= char <= "\udfff" for char in node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


class JsonSocketConsumer(AsyncJsonWebsocketConsumer):
    """Channels' JSON consumer with its frames read through `intranet.params.parse_json` (bounded size and
    depth). The stock class lets `json.loads` raise on a malformed frame (and blow the recursion limit on
    JSON nested 100,000 deep), which drops the socket with 1011 and logs a server error; here such a frame,
    or a binary one, goes to `receive_invalid` and the socket stays open."""

    async def dispatch(self, message):
        try:
            await super().dispatch(message)
        except StopConsumer:
            if not str(message.get("type", "")).startswith("websocket."):
                await self._release_channel()
            raise

    async def _release_channel(self) -> None:
        """A handler of a channel-layer event ended the consumer (StopConsumer): give the layer its channel
        back. Channels' dispatch loop releases a consumer's channel by cancelling the receive waiting on it
        (the pub/sub layer unsubscribes from Redis then), but when the consumer stops from a channel-layer
        event that receive has just completed and none is waiting: the channel would stay subscribed in
        Redis, and held by the process, for as long as the worker runs (found by the R8 churn test). So
        start one and cancel it. A message already waiting is returned at once: dropped, try again."""
        if self.channel_layer is None or not getattr(self, "channel_name", None):
            return
        for _attempt in range(100):
            waiting = asyncio.ensure_future(self.channel_layer.receive(self.channel_name))
            await asyncio.sleep(0)  # the receive reaches its wait on the channel's queue
            if waiting.done():
                with contextlib.suppress(Exception):
                    waiting.result()
                continue
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            return

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.receive_invalid(_("Seuls les messages JSON sous forme de texte sont acceptés."))
            return
        try:
            content = parse_json(text_data)
        except BadParameter as exc:
            await self.receive_invalid(exc.detail)
            return
        if _unstorable(content):
            await self.receive_invalid(_("Message refusé : il contient des caractères invalides."))
            return
        await self.receive_json(content, **kwargs)

    async def receive_invalid(self, message: str):
        await self.send_json({"type": "error", "message": str(message)})
