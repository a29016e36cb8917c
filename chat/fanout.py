"""Process-local fan-out of salon events (bench B6).

With one channel-layer group membership per *websocket*, a message to a salon of 500 open pages wakes 500
consumer tasks and 500 queue reads. Here each server process joins a salon's group once, with one channel of
its own, and writes each event (serialised once, upstream) straight to its local sockets — what a bare
websocket broadcast server does. Cross-process delivery still goes through the channel layer (Redis).

With channels_redis' core layer, group memberships expire (`group_expiry`, a day by default): the process
channel re-joins its groups every hour and whenever a socket of that salon connects (harmless with the
pub/sub layer production uses, whose subscriptions do not expire).

No gap goes unnoticed: the process sends itself a beat through the layer every `CHAT_FANOUT_BEAT` seconds.
Redis pub/sub does not replay what was published while a connection was down, so when a beat arrives late
(or the layer's receive failed), events may have been lost: every local socket gets `{"type": "resync"}` and
its page catches up (the same `resume` as after a reconnect).

The listener never waits for a socket: it puts each event in the socket's bounded queue (`offer`), and each
socket's own writer task sends from there. A client that stops reading fills its queue and is closed (it
reconnects and catches up, see `SalonConsumer`); the other sockets of the process are not delayed by it.
"""

import asyncio
import contextlib
import logging
import time
from collections import defaultdict

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)
REFRESH_SECONDS = 3600


class Fanout:
    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        self.sockets: dict[str, set] = defaultdict(set)
        self.task: asyncio.Task | None = None
        self.refreshed = time.monotonic()
        self.lock = asyncio.Lock()
        self.loop = self.source = None
        self.closed = False
        self.beat_task: asyncio.Task | None = None
        self.last_beat = time.monotonic()
        self.suspect = False  # a receive failed: events may have been lost meanwhile

    async def close(self) -> None:
        """Stop listening and release the layer's connections (server shutdown, end of a test's loop)."""
        self.closed = True
        beat, self.beat_task = self.beat_task, None
        if beat is not None and not beat.done():
            beat.cancel()
            await asyncio.wait({beat}, timeout=2)
        task, self.task = self.task, None
        # asyncio.wait, not wait_for: on timeout it does not wait again for a task that ignores cancellation.
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=2)
        close_pools = getattr(self.layer, "close_pools", None)
        if close_pools is not None and self.layer is not self.source:
            closing = asyncio.ensure_future(close_pools())
            await asyncio.wait({closing}, timeout=5)
        if task is not None and not task.done():
            # The read failed with the pools closed: the listener sees `closed` and returns.
            await asyncio.wait({task}, timeout=2)

    async def join(self, group: str, consumer) -> None:
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("chat.fanout.")
                self.task = asyncio.ensure_future(self._listen())
                self.last_beat = time.monotonic()
                self.beat_task = asyncio.ensure_future(self._beat())
            # Always (re-)add: refreshes the membership's expiry on the layer.
            await self.layer.group_add(group, self.channel)
            self.sockets[group].add(consumer)

    async def leave(self, group: str, consumer) -> None:
        members = self.sockets.get(group)
        if members is None:
            return
        members.discard(consumer)
        if not members:
            self.sockets.pop(group, None)
            with contextlib.suppress(Exception):
                await self.layer.group_discard(group, self.channel)

    async def _listen(self) -> None:
        while True:
            if self.closed:
                return
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001  (a layer hiccup must not stop every salon of this process)
                # A cancellation that the layer turned into another error (a pool closed under the read) must
                # still end the listener: retrying it forever would keep the event loop from ever closing.
                task = asyncio.current_task()
                if self.closed or (task is not None and task.cancelling()):
                    return
                logger.exception("chat fan-out: channel layer receive failed")
                self.suspect = True
                await asyncio.sleep(1)
                continue
            if event.get("type") == "chat.beat":
                self._beat_received()
                continue
            group = event.get("group", "")
            sockets = list(self.sockets.get(group, ()))
            if event.get("type") == "chat.event":
                # One ASGI message for every socket: the text was serialised once, upstream (push.py).
                message = {"type": "websocket.send", "text": event["text"]}
                for consumer in sockets:
                    if not consumer.offer(message):
                        # Its queue is full (a client that stopped reading) or it is closing: it leaves the
                        # fan-out now, and closes in its own task so that nothing here waits for it.
                        self.sockets[group].discard(consumer)
                        asyncio.ensure_future(consumer.overflow())
            elif event.get("type") == "chat.revoke":
                ids = set(event.get("user_ids", ()))
                for consumer in sockets:
                    if consumer.user_id in ids:
                        self.sockets[group].discard(consumer)
                        asyncio.ensure_future(consumer.revoke())
            if time.monotonic() - self.refreshed > REFRESH_SECONDS:
                self.refreshed = time.monotonic()
                for name in list(self.sockets):
                    with contextlib.suppress(Exception):
                        await self.layer.group_add(name, self.channel)

    async def _beat(self) -> None:
        interval = settings.CHAT_FANOUT_BEAT
        while not self.closed:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):  # Redis down: the late beat afterwards tells the pages
                await self.layer.send(self.channel, {"type": "chat.beat"})

    def _beat_received(self) -> None:
        now = time.monotonic()
        late = now - self.last_beat > 2.5 * settings.CHAT_FANOUT_BEAT
        self.last_beat = now
        if late or self.suspect:
            self.suspect = False
            self.resync()

    def resync(self) -> None:
        """Events may have been lost: every local page catches up."""
        logger.warning("chat fan-out: possible gap in live delivery, pages catch up")
        for members in list(self.sockets.values()):
            for consumer in list(members):
                if not consumer.offer(RESYNC):
                    members.discard(consumer)
                    asyncio.ensure_future(consumer.overflow())


RESYNC = {"type": "websocket.send", "text": '{"type":"resync"}'}  # shared, never modified
_fanouts: dict[tuple[int, int], Fanout] = {}


def fanout() -> Fanout:
    """The fan-out of this event loop and channel layer (tests and servers may run several loops).

    Over Redis the fan-out listens with a layer instance of its own: channels_redis shares one receive
    machinery per instance, and a second long-lived receiver on the consumers' instance trips over theirs.
    The in-memory layer only works within one instance, so there it is shared.
    """
    layer, loop = get_channel_layer(), asyncio.get_running_loop()
    key = (id(loop), id(layer))
    found = _fanouts.get(key)
    # Ids are reused once an old loop is collected: a fan-out from a dead loop is replaced.
    if found is None or found.loop is not loop or found.source is not layer:
        own = layer
        if not isinstance(layer, InMemoryChannelLayer):
            own = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        found = _fanouts[key] = Fanout(own)
        found.loop, found.source = loop, layer
    return found


async def close_all() -> None:
    """Close every fan-out of the running event loop."""
    loop = asyncio.get_running_loop()
    for key, found in list(_fanouts.items()):
        if found.loop is loop:
            _fanouts.pop(key, None)
            await found.close()
