"""Callbacks from the Document Server: SSRF-safe fetch, then the GED action that stores the version.

Answers (onlyoffice.md §3): `{"error":0}` only once the version is durably stored; a failure on our side that
may pass (antivirus down, fetch error, database error) answers HTTP 503 so the Document Server tries again
and, its retries spent, keeps the file in its forgotten list (`manage.py onlyoffice_recover`); a permanent one
answers `{"error":1}` with HTTP 200 (the file goes to the forgotten list at once); a forged or refused request
answers 403. This module writes no row: `ged.online` does.
"""

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from .. import storage
from ..models import Document, EditorKey
from ..names import clean_name, extension
from ..online import (
    editor_key_seen,
    may_contribute,
    notify_save_error,
    notify_save_refused,
    online_version_store,
)
from ..uploads import stage
from .config import CHANGES_MAX_BYTES, DOCUMENT_TYPES, KEY_RE, FetchFailed, FetchRefused, _origin, ds_origins

logger = logging.getLogger(__name__)

# Codes of the antivirus's ValidationError that say "not now" rather than "never".
TRANSIENT_CODES = {"antivirus_down", "antivirus_error"}


# --- Fetching from the Document Server ------------------------------------------------------------------


def fetch_from_ds(url: str, dest, *, max_bytes: int | None = None) -> int:
    """Stream `url` into the open binary file `dest`, only from the Document Server's origin (public or
    internal), without following redirects, with timeouts and a size cap. Returns the byte count."""
    origin = _origin(url or "")
    if origin is None or origin not in ds_origins():
        raise FetchRefused(f"not the Document Server origin: {url!r}")
    cap = max_bytes or int(getattr(settings, "ONLYOFFICE_MAX_FILE_SIZE", 0) or 100 * 1024 * 1024)
    timeout = float(getattr(settings, "ONLYOFFICE_TIMEOUT", 30) or 30)
    total = 0
    try:
        with (
            httpx.Client(follow_redirects=False, timeout=httpx.Timeout(timeout), trust_env=False) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code == 429 or response.status_code >= 500:
                raise FetchFailed(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise FetchRefused(f"HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise FetchRefused("too large")
            for chunk in response.iter_bytes(256 * 1024):
                total += len(chunk)
                if total > cap:
                    raise FetchRefused("too large")
                dest.write(chunk)
    except httpx.HTTPError as exc:
        raise FetchFailed(str(exc) or exc.__class__.__name__) from None
    return total


# --- Callbacks ------------------------------------------------------------------------------------------


@dataclass
class Answer:
    http_status: int
    error: int

    @property
    def body(self) -> dict:
        return {"error": self.error}


OK = Answer(200, 0)
REFUSED = Answer(403, 1)
FAILED = Answer(200, 1)  # cannot ever be stored: the Document Server keeps the file in its forgotten list
RETRY = Answer(503, 1)  # cannot be stored now: the Document Server tries again, then keeps the file


def _user_ids(payload: dict) -> list[str]:
    users = payload.get("users") or []
    return [str(u) for u in users if isinstance(u, str | int)] if isinstance(users, list) else []


def _acting_user_id(payload: dict) -> str:
    """Who saved: the force-save clicker (action type 2), else the last editor (`users[0]`)."""
    for action in payload.get("actions") or []:
        if isinstance(action, dict) and action.get("type") == 2 and action.get("userid") is not None:
            return str(action["userid"])
    users = _user_ids(payload)
    return users[0] if users else ""


def _get_user(user_id: str):
    from django.contrib.auth import get_user_model

    if not user_id.isdigit():
        return None
    return get_user_model().objects.filter(pk=int(user_id), is_active=True).first()


def handle_callback(*, document_id: int, payload: dict) -> Answer:
    """Act on a verified callback payload. Answers {"error":0} only once a version is durably stored."""
    key = payload.get("key")
    try:
        status = int(payload.get("status"))
    except (TypeError, ValueError):
        return REFUSED
    if not isinstance(key, str) or not KEY_RE.match(key):
        return REFUSED
    try:
        ek = EditorKey.objects.select_related("document", "document__folder").filter(key=key).first()
    except DatabaseError as exc:
        logger.warning("onlyoffice callback for document %s: database unavailable: %s", document_id, exc)
        return RETRY
    if ek is None or ek.document_id != document_id or ek.document.trashed_at is not None:
        logger.warning("onlyoffice callback refused: unknown key for document %s", document_id)
        return REFUSED
    document = ek.document
    if status in (1, 4):
        editor_key_seen(ek, _user_ids(payload) if status == 1 else [])
        return OK
    if status in (3, 7):
        logger.error("onlyoffice saving error (status %s) for document %s key %s", status, document.pk, key)
        notify_save_error(document=document, ek=ek, users=_user_ids(payload))
        return OK
    if status not in (2, 6):
        return OK
    try:
        return _save(ek=ek, document=document, status=status, payload=payload)
    except DatabaseError as exc:
        logger.warning("onlyoffice save of document %s: database error, DS will retry: %s", document.pk, exc)
        return RETRY


def _save(*, ek: EditorKey, document: Document, status: int, payload: dict) -> Answer:
    url = payload.get("url")
    if not isinstance(url, str) or _origin(url) not in ds_origins():
        logger.warning("onlyoffice callback refused: url outside the Document Server origin")
        return REFUSED
    author = _get_user(_acting_user_id(payload))
    # The role decides (a check-out taken during the session makes a conflict version, not a refusal).
    if not may_contribute(author, document):
        notify_save_refused(document=document)
        logger.warning("onlyoffice save refused: user without edit rights on document %s", document.pk)
        return REFUSED
    staged, failure = fetch_and_stage(url, document=document, filetype=payload.get("filetype"))
    if staged is None:
        return failure
    workdir = tempfile.mkdtemp(dir=storage.tmp_dir(), prefix="oo-")
    try:
        changes = _fetch_changes(payload.get("changesurl"), workdir)
        history = payload.get("history") if isinstance(payload.get("history"), dict) else {}
        try:
            result = online_version_store(
                ek=ek, staged=staged, status=status, author=author, history=history, changes=changes
            )
        except ValidationError as exc:
            logger.warning("onlyoffice save of document %s not stored: %s", document.pk, exc)
            return FAILED
    finally:
        staged.discard()
        shutil.rmtree(workdir, ignore_errors=True)
    return REFUSED if result.outcome == "refused" else OK


def fetch_and_stage(url: str, *, document: Document, filetype=None):
    """Fetch a saved file from the Document Server and stage it (antivirus, type checks) under the
    document's name with the extension the DS gives. Returns (staged, None) or (None, answer): RETRY when
    trying again may work, FAILED when it never will."""
    ext = extension(document.title)
    filetype = str(filetype or "").lower()
    if filetype in DOCUMENT_TYPES:
        ext = filetype
    stem = document.title.rsplit(".", 1)[0] if "." in document.title else document.title
    name = clean_name(f"{stem}.{ext}")
    workdir = tempfile.mkdtemp(dir=storage.tmp_dir(), prefix="oo-")
    try:
        path = os.path.join(workdir, "download.part")
        with open(path, "wb") as fh:
            fetch_from_ds(url, fh)
        return stage(path, name=name), None
    except FetchFailed as exc:
        logger.warning("onlyoffice fetch for document %s failed, DS will retry: %s", document.pk, exc)
        return None, RETRY
    except FetchRefused as exc:
        logger.warning("onlyoffice fetch for document %s refused: %s", document.pk, exc)
        return None, FAILED
    except ValidationError as exc:
        transient = getattr(exc, "code", None) in TRANSIENT_CODES
        logger.warning("onlyoffice file of document %s not accepted (%s): %s", document.pk, exc.code, exc)
        return None, RETRY if transient else FAILED
    except OSError as exc:  # our disk: full, or the temp dir gone
        logger.warning("onlyoffice file of document %s not written: %s", document.pk, exc)
        return None, RETRY
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _fetch_changes(url, workdir: str) -> bytes | None:
    if not isinstance(url, str) or not url:
        return None
    path = os.path.join(workdir, "changes.zip")
    try:
        with open(path, "wb") as fh:
            fetch_from_ds(url, fh, max_bytes=CHANGES_MAX_BYTES)
        with open(path, "rb") as fh:
            return fh.read()
    except (FetchRefused, OSError) as exc:
        logger.info("onlyoffice changes.zip not kept: %s", exc)
        return None
