"""Background jobs of the chat: load by id, call the Matrix bridge. A homeserver outage leaves the work queued
in the database (unsent messages) for the bridge loop to finish later, in order."""

import logging

import httpx
from asgiref.sync import async_to_sync
from django_tasks import task

from .matrix import MatrixBridge, MatrixError, bridge_enabled

logger = logging.getLogger(__name__)


def _run(method: str, *args):
    async def go():
        async with MatrixBridge() as bridge:
            return await getattr(bridge, method)(*args)

    try:
        return async_to_sync(go)()
    except (MatrixError, httpx.HTTPError) as exc:
        logger.warning("Matrix %s%s postponed: %s", method, args, exc)
        return None


@task()
def matrix_outbound(salon_id: int) -> int | None:
    """Send the salon's unsent messages to Matrix (oldest first, idempotent)."""
    return _run("send_pending", salon_id) if bridge_enabled() else None


@task()
def matrix_members(salon_id: int):
    """Make the salon's Matrix room membership follow the salon's."""
    return _run("sync_members", salon_id) if bridge_enabled() else None


@task()
def matrix_deactivate(user_id: int):
    return _run("deactivate_account", user_id) if bridge_enabled() else None


@task()
def matrix_redact(message_id: int):
    return _run("redact", message_id) if bridge_enabled() else None


@task()
def matrix_edit(message_id: int):
    return _run("edit", message_id) if bridge_enabled() else None
