"""B3b's floor: a bare ASGI app that streams one file (B3_FILE) in the app's chunk size
(GED_DOWNLOAD_CHUNK_KB), served by the same uvicorn as the application. What the app takes above it is its
own cost. /healthz answers at once (the harness waits on it)."""

import os

PATH = os.environ["B3_FILE"]
CHUNK = int(os.environ.get("GED_DOWNLOAD_CHUNK_KB", "512")) * 1024


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    size = os.path.getsize(PATH)
    headers = [(b"content-type", b"application/octet-stream"), (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    with open(PATH, "rb") as fh:
        while data := fh.read(CHUNK):
            await send({"type": "http.response.body", "body": data, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
