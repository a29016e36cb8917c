"""B4's floor: an ASGI app that reads each request body and throws it away, served by the same uvicorn, sent
the same parts by the same client. What is left above it is the application's own cost."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    received = 0
    while True:
        message = await receive()
        received += len(message.get("body", b""))
        if message["type"] == "http.disconnect" or not message.get("more_body"):
            break
    body = b'{"offset": %d}' % received
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
