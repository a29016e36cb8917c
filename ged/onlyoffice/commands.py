"""The command service (onlyoffice.md §6): our POSTs to `<ds>/command`, and the outbox performers of the
commands the GED causes (`forcesave` when a session is interrupted, `drop` when an editor loses rights).

Performers run in `outbox_worker`, never inside a request; a failure raises, so the outbox retries it with
backoff and IT sees it. They read the current state when they run and are idempotent.
"""

import logging

import httpx
from django.conf import settings

from ..models import EditorKey
from .config import enabled, public_url, sign

logger = logging.getLogger(__name__)

# Command service answers that mean "nothing (more) to do": 0 done, 1 key unknown (the session is over),
# 4 no changes since the last save.
DONE_ERRORS = {0, 1, 4}


class CommandError(Exception):
    """The command service could not be reached or answered an error worth retrying."""


def command_url() -> str:
    return (getattr(settings, "ONLYOFFICE_INTERNAL_URL", "") or public_url()).rstrip("/") + "/command"


def command(params: dict) -> dict:
    """POST one command, signed in the body (and in the header, for a DS that reads only the header)."""
    if not enabled():
        raise CommandError("OnlyOffice is off (ONLYOFFICE_URL is empty)")
    from .config import header_name

    headers = {header_name(): "Bearer " + sign({"payload": params})}
    try:
        response = httpx.post(
            command_url(),
            json={**params, "token": sign(params)},
            headers=headers,
            timeout=float(getattr(settings, "ONLYOFFICE_TIMEOUT", 30) or 30),
            follow_redirects=False,
            trust_env=False,
        )
    except httpx.HTTPError as exc:
        raise CommandError(f"{params.get('c')}: {exc or exc.__class__.__name__}") from None
    if response.status_code != 200:
        raise CommandError(f"{params.get('c')}: HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise CommandError(f"{params.get('c')}: answer is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("error"), int):
        raise CommandError(f"{params.get('c')}: unexpected answer {answer!r}"[:300])
    return answer


def _checked(params: dict) -> dict:
    answer = command(params)
    if answer["error"] not in DONE_ERRORS:
        raise CommandError(f"{params.get('c')}: error {answer['error']}")
    return answer


def perform_forcesave(payload: dict, **context) -> None:
    """Ask the DS to save what the interrupted session holds now (status 6, stored as a conflict version)."""
    key = str(payload.get("key") or "")
    ek = EditorKey.objects.filter(key=key).only("id", "closed_by_save").first()
    if ek is None or ek.closed_by_save:
        return  # the session ended with its own save meanwhile: nothing left to ask for
    _checked({"c": "forcesave", "key": key, "userdata": "ged-interrupted"})


def perform_drop(payload: dict, **context) -> None:
    """Disconnect the session's editors who may no longer edit the document, decided now."""
    from ..online import editors_who_lost_rights

    key = str(payload.get("key") or "")
    ek = EditorKey.objects.select_related("document", "document__folder").filter(key=key).first()
    if ek is None or ek.closed_by_save:
        return
    users = editors_who_lost_rights(ek)
    if users:
        _checked({"c": "drop", "key": key, "users": users})
        logger.info("onlyoffice drop sent for key %s: users %s", key, users)


def forgotten_list() -> list[str]:
    answer = command({"c": "getForgottenList"})
    if answer["error"] != 0:
        raise CommandError(f"getForgottenList: error {answer['error']}")
    keys = answer.get("keys") or []
    return [k for k in keys if isinstance(k, str)]


def forgotten(key: str) -> str | None:
    """The URL of a forgotten file, or None if the DS no longer has it."""
    answer = command({"c": "getForgotten", "key": key})
    if answer["error"] == 1:
        return None
    if answer["error"] != 0 or not isinstance(answer.get("url"), str):
        raise CommandError(f"getForgotten: error {answer['error']}")
    return answer["url"]


def delete_forgotten(key: str) -> None:
    _checked({"c": "deleteForgotten", "key": key})


def register_outbox_kinds() -> None:
    from intranet.outbox.registry import register_kind

    from ..online import DROP_KIND, FORCESAVE_KIND

    register_kind(name=FORCESAVE_KIND, perform=perform_forcesave, label="OnlyOffice : forcesave")
    register_kind(name=DROP_KIND, perform=perform_drop, label="OnlyOffice : drop")
