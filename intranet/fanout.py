"""Process-local fan-out of live page events: chat salons (bench B6) and project boards (bench B11).

With one channel-layer group membership per *websocket*, an event for a salon or a board open in 500 pages
wakes 500 consumer tasks and 500 queue reads. Here each server process joins a live group once, with one
channel of its own, and writes each event (serialised once, upstream: `publish`) straight to its local
sockets — what a bare websocket broadcast server does. Cross-process delivery still goes through the channel
layer (Redis). A socket takes part through `FanoutSocket`; group names carry their app's prefix.

With channels_redis' core layer, group memberships expire (`group_expiry`, a day by default): the process
channel re-joins its groups every hour and whenever a socket of that group connects (harmless with the
pub/sub layer production uses, whose subscriptions do not expire).

No gap goes unnoticed. Redis pub/sub does not replay what was published while a connection was down, so
whenever events may have been lost, every local socket gets `{"type": "resync"}` and its page catches up
(the same `resume` as after a reconnect). A gap is known by:
- the subscriber connection coming back (Redis restarted, a network cut): with the pub/sub layer, the fan-out
  is told by the connection itself, after its subscriptions are renewed — however short the outage;
- the beats the process sends itself through the layer every `CHAT_FANOUT_BEAT` seconds: numbered, so a lost
  one is seen; one that arrives late, or that could not be sent, or a failed receive, means a gap too;
- no beat at all for three periods: the layer lost this process's subscriptions for good, so the fan-out
  listens anew on a fresh layer instance (new channel, every group joined again), then the pages catch up.

The listener never waits for a socket: it puts each event in the socket's bounded queue (`offer`), and each
socket's own writer task sends from there (`FanoutSocket`). A client that stops reading fills its queue and
is closed (it reconnects and catches up); the other sockets of the process are not delayed by it.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
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
        self.suspect = False  # a receive or a beat failed: events may have been lost meanwhile
        self.beats_sent = 0
        self.beat_seen: int | None = None  # number of the last beat received
        self.relistens = 0

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
                self.channel = await self.layer.new_channel("fanout.")
                self._watch_reconnects(self.layer)
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
            except Exception:  # noqa: BLE001  (a layer hiccup must not stop every live page of this process)
                # A cancellation that the layer turned into another error (a pool closed under the read) must
                # still end the listener: retrying it forever would keep the event loop from ever closing.
                task = asyncio.current_task()
                if self.closed or (task is not None and task.cancelling()):
                    return
                logger.exception("live fan-out: channel layer receive failed")
                self.suspect = True
                await asyncio.sleep(1)
                continue
            if event.get("type") == "fanout.beat":
                self._beat_received(event.get("n"))
                continue
            group = event.get("group", "")
            sockets = list(self.sockets.get(group, ()))
            if event.get("type") == "fanout.event":
                # One ASGI message for every socket: the text was serialised once, upstream (push.py).
                message = {"type": "websocket.send", "text": event["text"]}
                for consumer in sockets:
                    if not consumer.offer(message):
                        # Its queue is full (a client that stopped reading) or it is closing: it leaves the
                        # fan-out now, and closes in its own task so that nothing here waits for it.
                        self.sockets[group].discard(consumer)
                        asyncio.ensure_future(consumer.overflow())
            elif event.get("type") == "fanout.revoke":
                ids = set(event.get("user_ids", ()))
                for consumer in sockets:
                    if consumer.user_id in ids:
                        self.sockets[group].discard(consumer)
                        asyncio.ensure_future(consumer.revoke())
            elif event.get("type") == "fanout.recheck":
                # Each socket holds what comes next until it has checked its agent's right again.
                for consumer in sockets:
                    consumer.hold()
            if time.monotonic() - self.refreshed > REFRESH_SECONDS:
                self.refreshed = time.monotonic()
                for name in list(self.sockets):
                    with contextlib.suppress(Exception):
                        await self.layer.group_add(name, self.channel)

    async def _beat(self) -> None:
        interval = settings.CHAT_FANOUT_BEAT
        while not self.closed:
            await asyncio.sleep(interval)
            if time.monotonic() - self.last_beat > 3 * interval and self.layer is not self.source:
                # Our own beats stopped coming back: the layer lost this process's subscriptions.
                try:
                    await self._listen_anew()
                except Exception:  # noqa: BLE001  (Redis still down: tried again at the next beat)
                    logger.warning("live fan-out: listening anew failed, tried again in %s s", interval)
                    continue
            self.beats_sent += 1
            try:
                await self.layer.send(self.channel, {"type": "fanout.beat", "n": self.beats_sent})
            except Exception:  # noqa: BLE001  (Redis down: what is published meanwhile is lost)
                self.suspect = True

    def _beat_received(self, number: int | None = None) -> None:
        now = time.monotonic()
        late = now - self.last_beat > 2.5 * settings.CHAT_FANOUT_BEAT
        lost = number is not None and self.beat_seen is not None and number > self.beat_seen + 1
        self.last_beat = now
        if number is not None:
            self.beat_seen = number
        if late or lost or self.suspect:
            self.suspect = False
            self.resync()

    def _watch_reconnects(self, layer) -> bool:
        """With the pub/sub layer, be told when a subscriber connection comes back (after redis-py has renewed
        its subscriptions): whatever was published while it was down is lost, so the pages catch up."""
        if not isinstance(layer, RedisPubSubChannelLayer):
            return False
        try:
            shards = layer._get_layer()._shards  # channels_redis 4.x internals (pinned < 5)
            connections = [shard._pubsub.connection for shard in shards if shard._pubsub is not None]
        except AttributeError:
            return False
        for connection in connections:
            if connection is not None:
                connection.register_connect_callback(self._reconnected)
        return bool(connections)

    async def _reconnected(self, connection) -> None:
        if not self.closed:
            self.resync()

    async def _listen_anew(self) -> None:
        """A fresh layer instance, a new channel and every group joined again; then the old one is let go and
        the pages catch up. Raises (and keeps the old one) while Redis cannot be reached."""
        fresh = channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)
        async with self.lock:
            try:
                channel = await fresh.new_channel("fanout.")
                for group in list(self.sockets):
                    await fresh.group_add(group, channel)
            except BaseException:
                await _release(fresh)
                raise
            old_layer, old_task = self.layer, self.task
            self.layer, self.channel = fresh, channel
            self._watch_reconnects(fresh)
            self.task = asyncio.ensure_future(self._listen())
            self.last_beat = time.monotonic()
            self.beat_seen = None
            self.relistens += 1
        logger.warning("live fan-out: no beat came back, listening anew on a fresh connection")
        if old_task is not None and not old_task.done():
            old_task.cancel()
            await asyncio.wait({old_task}, timeout=2)
        await _release(old_layer)
        self.resync()

    def resync(self) -> None:
        """Events may have been lost: every local page catches up."""
        logger.warning("live fan-out: possible gap in live delivery, pages catch up")
        for members in list(self.sockets.values()):
            for consumer in list(members):
                if not consumer.offer(RESYNC):
                    members.discard(consumer)
                    asyncio.ensure_future(consumer.overflow())


RESYNC = {"type": "websocket.send", "text": '{"type":"resync"}'}  # shared, never modified


async def _release(layer) -> None:
    """Close the connections of a layer instance of the fan-out's own (never the consumers' one)."""
    try:
        if isinstance(layer, RedisPubSubChannelLayer):
            # Local state and connections only: the pub/sub layer keeps nothing in Redis.
            await asyncio.wait_for(layer.flush(), timeout=5)
        elif hasattr(layer, "close_pools"):
            await asyncio.wait_for(layer.close_pools(), timeout=5)
    except Exception:  # noqa: BLE001  (a connection already broken is as good as closed)
        logger.debug("live fan-out: releasing an old layer failed", exc_info=True)


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


def publish(group: str, payload: dict) -> None:
    """Send one JSON event to every open page of a live group, from synchronous code (after commit). It is
    serialised here, once; the sockets forward the text as is."""
    layer = get_channel_layer()
    if layer is None:
        return
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    async_to_sync(layer.group_send)(group, {"type": "fanout.event", "group": group, "text": text})


def cut(group: str, user_ids) -> None:
    """These agents' open sockets of the group leave the fan-out and close at once (`FanoutSocket.revoke`)."""
    layer = get_channel_layer()
    if layer is None or not user_ids:
        return
    async_to_sync(layer.group_send)(
        group, {"type": "fanout.revoke", "group": group, "user_ids": list(user_ids)}
    )


def recheck(groups) -> None:
    """Every open socket of these groups checks its agent's right again (`FanoutSocket.still_allowed`) and
    forwards no later event of the group before the answer; a socket whose right is gone closes."""
    layer = get_channel_layer()
    groups = list(groups)
    if layer is None or not groups:
        return

    async def send_all():
        for group in groups:
            await layer.group_send(group, {"type": "fanout.recheck", "group": group})

    async_to_sync(send_all)()


class FanoutSocket:
    """The part of a websocket consumer that takes part in the fan-out: a bounded queue the listener fills
    without waiting, and the one writer task that waits for this client. The consumer sets `user_id`, calls
    `join_live(group)` before accepting, `start_writer()` once accepted and `leave_live()` when it goes; it
    defines `overflow()` (its queue is full), `revoke()` (`cut` named its agent) and, for `recheck`,
    `still_allowed()`."""

    live_group: str | None = None
    writer: asyncio.Task | None = None
    released: asyncio.Event | None = None

    async def still_allowed(self) -> bool:
        return True

    def hold(self) -> None:
        """Called by the fan-out on a recheck: the writer sends nothing more until the right is confirmed."""
        if self.live_group is None:
            return
        if self.released is None:
            self.released = asyncio.Event()
        self.released.clear()
        self.checks = getattr(self, "checks", 0) + 1
        asyncio.ensure_future(self._confirm())

    async def _confirm(self) -> None:
        try:
            allowed = await self.still_allowed()
        except Exception:  # noqa: BLE001  (unknown is not allowed: the page reconnects and is checked anew)
            allowed = False
        self.checks -= 1
        if not allowed:
            await self.revoke()
        elif self.checks == 0:  # the last recheck asked for has answered
            self.released.set()

    async def join_live(self, group: str) -> None:
        # Between the join and the accept, events wait in the queue for the writer started at accept.
        self.outbox = asyncio.Queue(maxsize=settings.CHAT_SOCKET_QUEUE)
        self.live_group = group
        await fanout().join(group, self)

    def start_writer(self) -> None:
        self.writer = asyncio.ensure_future(self._write())

    async def leave_live(self) -> None:
        group, self.live_group = self.live_group, None
        if group is not None:
            await fanout().leave(group, self)
        writer, self.writer = self.writer, None
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()

    def offer(self, message: dict) -> bool:
        """Queue one event for this socket (called by the fan-out, never waits): `message` is the ASGI
        "websocket.send" the fan-out built once for every socket (never modified). False when the queue is
        full (the client stopped reading) or the socket is closing."""
        if self.live_group is None:
            return False
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    async def _write(self) -> None:
        """This socket's writer: the only task that waits for this client to read. It hands the shared
        message straight to the server (`base_send`, below the consumer's own send helpers): this runs once
        per socket for every event of the group."""
        send = self.base_send
        while True:
            message = await self.outbox.get()
            if self.released is not None and not self.released.is_set():
                await self.released.wait()
            try:
                await send(message)
            except Exception:  # noqa: BLE001  (the connection went away meanwhile)
                return
