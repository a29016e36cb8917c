"""Django's ASGI handler with two changes for large bodies (issue 12 part 7, benchmark B4).

- **The body limit before anything is stored.** A request whose Content-Length exceeds `ASGI_BODY_MAX_MB`
  is answered 413 without reading a byte; one sent without Content-Length (chunked encoding) is cut and
  answered 413 as soon as it passes the limit. Stock Django spools the whole body first.
- **Upload routes read the body as it arrives.** Stock Django copies every body into a temporary file (on
  disk past 2.5 MB) before the view runs: for an upload that is one more write of every byte, before the
  upload handler writes it again. For the routes named in `STREAMED_BODY_ROUTES` ("METHOD namespace:name"),
  the request reads straight from the ASGI `receive` channel instead, so the upload handler or the chunk
  endpoint writes each byte once, into the blob store's tmp dir, and memory stays at one read's worth.
"""

import asyncio
import collections
import json
import threading

from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import override

# How much one hop from the view's thread to the event loop gathers (fewer, larger hops).
PULL_BYTES = 1024 * 1024


def body_limit() -> int:
    return settings.ASGI_BODY_MAX_MB * 1024 * 1024


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class ReceivedBody:
    """The request body as a file the view reads (from its worker thread), pulled from the ASGI channel on
    demand. Django's handler also calls this object as `receive` to watch for a disconnect: that call waits
    until the body is fully read, so the two never compete for a message.

    Like a socket, `read(n)` may return fewer than n bytes before the end (Django's parsers and the chunk
    endpoint loop until they have what they need): the server's messages are handed over as they are, not
    copied into one buffer."""

    def __init__(self, receive, loop):
        self._receive = receive
        self._loop = loop
        self._parts = collections.deque()
        self._more = True
        self._disconnected = False
        self._finished = asyncio.Event()
        self._loop_thread = threading.current_thread()  # built in the loop's thread

    async def __call__(self):
        await self._finished.wait()
        if self._disconnected:
            return {"type": "http.disconnect"}
        return await self._receive()

    async def _pull(self) -> list[bytes]:
        parts, got = [], 0
        while self._more and got < PULL_BYTES:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                # What arrived before is handed over; the next read raises RequestAborted (an early end of
                # the body must not look like a complete one).
                self._disconnected, self._more = True, False
                self._finished.set()
                break
            body = message.get("body", b"")
            if body:
                parts.append(body)
                got += len(body)
            if not message.get("more_body", False):
                self._more = False
                self._finished.set()
        return parts

    def _fill(self) -> None:
        if threading.current_thread() is self._loop_thread:
            raise RuntimeError("ReceivedBody.read() blocks: call it from a worker thread")
        while not self._parts and self._more:
            self._parts.extend(asyncio.run_coroutine_threadsafe(self._pull(), self._loop).result())

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            out = []
            while True:
                self._fill()
                if not self._parts:
                    break
                out.extend(self._parts)
                self._parts.clear()
            if self._disconnected:
                raise RequestAborted()
            return b"".join(out)
        if size == 0:
            return b""
        self._fill()
        if not self._parts:
            if self._disconnected:
                raise RequestAborted()
            return b""
        part = self._parts.popleft()
        if len(part) > size:
            self._parts.appendleft(part[size:])
            part = part[:size]
        return part

    def readline(self, size: int = -1) -> bytes:
        line = b""
        while not line.endswith(b"\n") and (size < 0 or len(line) < size):
            byte = self.read(1)
            if not byte:
                break
            line += byte
        return line

    def close(self) -> None:
        self._parts.clear()


class _LimitedReceive:
    """Counts body bytes; past the limit, tells Django the client left (it stops spooling) and remembers."""

    def __init__(self, receive, limit: int):
        self._receive, self._limit = receive, limit
        self.seen = 0
        self.exceeded = False

    async def __call__(self):
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self._limit:
                self.exceeded = True
                return {"type": "http.disconnect"}
        return message


class StreamingASGIHandler(ASGIHandler):
    # Django cuts every streamed part into 64 KiB messages (a copy and an await each): a download's parts
    # (GED_DOWNLOAD_CHUNK_KB, 512 KiB) go out whole instead, as a bare ASGI streamer would (B3b).
    chunk_size = 1024 * 1024

    async def handle(self, scope, receive, send):
        length = _content_length(scope)
        if length is not None and length > body_limit():
            await self._too_large(scope, send)
            return
        if self._streamed(scope):
            await super().handle(scope, ReceivedBody(receive, asyncio.get_running_loop()), send)
            return
        limited = _LimitedReceive(receive, body_limit())
        started = {"response": False}

        async def tracked_send(message):
            if message["type"] == "http.response.start":
                started["response"] = True
            await send(message)

        await super().handle(scope, limited, tracked_send)
        if limited.exceeded and not started["response"]:
            await self._too_large(scope, send)

    async def read_body(self, receive):
        if isinstance(receive, ReceivedBody):
            return receive
        return await super().read_body(receive)

    @staticmethod
    def _streamed(scope) -> bool:
        routes = getattr(settings, "STREAMED_BODY_ROUTES", ())
        if not routes or scope.get("method") not in {"POST", "PUT", "PATCH"}:
            return False
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        try:
            match = resolve(path)
        except (Resolver404, ValueError):
            return False
        return f"{scope['method']} {match.view_name}" in routes

    async def _too_large(self, scope, send):
        with override(settings.LANGUAGE_CODE):
            title = _("Requête trop volumineuse")
            text = _(
                "La requête dépasse la taille maximale acceptée (%(mb)s Mo). Pour un gros fichier, "
                "utilisez le dépôt de documents, qui l'envoie en plusieurs parties."
            ) % {"mb": settings.ASGI_BODY_MAX_MB}
        headers = dict(scope.get("headers", []))
        if scope.get("path", "").startswith("/api/") or b"json" in headers.get(b"accept", b""):
            body, kind = json.dumps({"detail": text}).encode(), b"application/json"
        else:
            body = (
                f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>'
                f"<body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
            ).encode()
            kind = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", kind),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
