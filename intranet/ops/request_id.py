"""The id of the current request (or websocket, or task), in a context variable so that it follows the code
into async views, `sync_to_async` threads and websocket consumers, and a logging filter that puts it into
every record (`%(request_id)s` in the format, settings LOGGING)."""

import contextvars
import logging
import re
import uuid

from django.conf import settings

HEADER = "X-Request-ID"
NO_ID = "-"
# What an id from the proxy may look like: nginx's $request_id is 32 hex digits; anything else that could
# forge a log line (spaces, newlines, quotes) or flood it (length) is replaced by an id of our own.
VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_ID)


def new_id() -> str:
    return uuid.uuid4().hex


def choose(header_value: str | None) -> str:
    """The proxy's id when the settings trust it and it looks like one; a new id otherwise."""
    if settings.REQUEST_ID_FROM_PROXY and header_value and VALID.match(header_value):
        return header_value
    return new_id()


def current() -> str:
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` (« - » outside a request) to every record the handler sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True
