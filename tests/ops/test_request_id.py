"""Request ids: made per request (or taken from nginx when trusted), returned in X-Request-ID, and carried by
every log record of the request, in sync and async views and in websockets."""

import asyncio
import io
import logging
import re

import pytest
from django.test import AsyncClient

from intranet.ops import metrics, request_id
from intranet.ops.middleware import WebsocketOpsMiddleware

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ops.urls")]

HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines(settings):
    """The console handler's filter and format from settings.LOGGING, on the test views' logger."""

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(request_id.RequestIdFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["default"]["format"]))
    loggers = [logging.getLogger("tests.ops"), logging.getLogger("intranet.ops.middleware")]
    for lg in loggers:
        lg.addHandler(handler)
    yield lambda: stream.getvalue().splitlines()
    for lg in loggers:
        lg.removeHandler(handler)


def test_each_request_gets_its_own_id_in_the_response_and_in_its_log_lines(client, log_lines):
    first = client.get("/_ops/sync-log")
    second = client.get("/_ops/sync-log")
    rid1, rid2 = first["X-Request-ID"], second["X-Request-ID"]
    assert HEX32.match(rid1) and HEX32.match(rid2) and rid1 != rid2
    assert first.json() == {"seen": rid1}
    lines = log_lines()
    assert any(f"[{rid1}] tests.ops: sync view" in line for line in lines)
    assert any(f"[{rid2}] tests.ops: sync view" in line for line in lines)
    assert request_id.current() == request_id.NO_ID  # reset after the request


def test_a_client_sent_id_is_ignored_unless_the_proxy_is_trusted(client, settings):
    """Without REQUEST_ID_FROM_PROXY a client could choose its log id: it is replaced."""
    settings.REQUEST_ID_FROM_PROXY = False
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-client"})
    assert HEX32.match(response["X-Request-ID"])
    settings.REQUEST_ID_FROM_PROXY = True
    response = client.get("/healthz", headers={"X-Request-ID": "0f3c9a0e6b5d4c21a8e7f6d5c4b3a291"})
    assert response["X-Request-ID"] == "0f3c9a0e6b5d4c21a8e7f6d5c4b3a291"


@pytest.mark.parametrize("forged", ["a b", "x\nINFO forged line", "x" * 129, ""])
def test_a_malformed_proxy_id_is_replaced(client, settings, forged):
    settings.REQUEST_ID_FROM_PROXY = True
    response = client.get("/healthz", headers={"X-Request-ID": forged})
    assert HEX32.match(response["X-Request-ID"])


def test_an_async_view_logs_with_its_request_id(log_lines):
    response = asyncio.run(AsyncClient().get("/_ops/async-log"))
    rid = response["X-Request-ID"]
    assert HEX32.match(rid) and response.json() == {"seen": rid}
    assert any(f"[{rid}] tests.ops: async view" in line for line in log_lines())


def test_a_websocket_keeps_the_proxy_id_for_its_whole_life_and_is_counted(settings):
    """The socket's consumer sees the id; the per-process gauge counts the socket while it is open."""
    settings.REQUEST_ID_FROM_PROXY = True
    seen = {}

    async def app(scope, receive, send):
        seen["id"] = request_id.current()
        seen["open"] = metrics.websockets_count()
        await asyncio.sleep(0)
        seen["id_later"] = request_id.current()

    before = metrics.websockets_count()
    scope = {"type": "websocket", "path": "/ws/", "headers": [(b"x-request-id", b"abc123")]}
    asyncio.run(WebsocketOpsMiddleware(app)(scope, None, None))
    assert seen == {"id": "abc123", "open": before + 1, "id_later": "abc123"}
    assert metrics.websockets_count() == before
    assert request_id.current() == request_id.NO_ID


def test_log_records_outside_a_request_say_so():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "msg", None, None)
    request_id.RequestIdFilter().filter(record)
    assert record.request_id == "-"
