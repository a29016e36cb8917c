"""The base of the product's JSON websockets: a frame the server cannot read is answered, never a crash."""

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
