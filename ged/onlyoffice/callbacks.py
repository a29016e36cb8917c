"""Callbacks from the Document Server: SSRF-safe fetch, then versions under the document row lock."""

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.notifications.actions import notify

from .. import storage
from ..choices import Role
from ..models import (
    Document,
    EditorKey,
    FolderGroupObjectPermission,
    FolderUserObjectPermission,
    OnlineSave,
)
from ..names import clean_name, extension
from ..permissions import ancestor_paths, users_who_may
from ..uploads import stage
from .config import CHANGES_MAX_BYTES, DOCUMENT_TYPES, KEY_RE, FetchRefused, _origin, ds_origins, may_edit

logger = logging.getLogger(__name__)


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
        raise FetchRefused(str(exc) or exc.__class__.__name__) from None
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
FAILED = Answer(200, 1)  # not stored: the Document Server keeps the file (forgotten list) or retries


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


def _manager_ids(document: Document) -> set[int]:
    """Active agents with the manager role on the document's folder or above, directly or by group."""
    from django.contrib.auth import get_user_model

    where = {
        "content_object__path__in": ancestor_paths(document.folder.path),
        "content_object__space_id": document.space_id,
        "permission__codename": f"role_{Role.MANAGER.value}",
    }
    direct = FolderUserObjectPermission.objects.filter(**where, user__is_active=True)
    groups = FolderGroupObjectPermission.objects.filter(**where).values("group_id")
    by_group = get_user_model().objects.filter(groups__in=groups, is_active=True)
    return set(direct.values_list("user_id", flat=True)) | set(by_group.values_list("pk", flat=True))


def _notify_ids(ids) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def handle_callback(*, document_id: int, payload: dict) -> Answer:
    """Act on a verified callback payload. Answers {"error":0} only once a version is durably stored."""
    key = payload.get("key")
    try:
        status = int(payload.get("status"))
    except (TypeError, ValueError):
        return REFUSED
    if not isinstance(key, str) or not KEY_RE.match(key):
        return REFUSED
    ek = EditorKey.objects.select_related("document", "document__folder").filter(key=key).first()
    if ek is None or ek.document_id != document_id or ek.document.trashed_at is not None:
        logger.warning("onlyoffice callback refused: unknown key for document %s", document_id)
        return REFUSED
    document = ek.document
    stale = ek.retired_at is not None or ek.version_id != document.current_version_id
    if status in (1, 4):
        if not stale:
            editors = _user_ids(payload) if status == 1 else []
            EditorKey.objects.filter(pk=ek.pk, retired_at__isnull=True).update(editors=editors)
        return OK
    if status in (3, 7):
        logger.error("onlyoffice saving error (status %s) for document %s key %s", status, document.pk, key)
        recipients = set(_notify_ids(_user_ids(payload))) | set(_notify_ids(ek.editors or []))
        notify(
            # Only those who may still read the document now hear of it (its title is in the text).
            recipients=users_who_may(recipients, document=document),
            verb="ged.onlyoffice.error",
            text=_(
                "L'enregistrement en ligne de « %(title)s » a échoué : la version actuelle est conservée. "
                "Rouvrez le document et enregistrez à nouveau, ou téléchargez votre copie."
            )
            % {"title": document.title},
            url=reverse("ged:document", args=[document.pk]),
        )
        return OK
    if status not in (2, 6):
        return OK
    return _save(ek=ek, document=document, status=status, payload=payload)


def _save(*, ek: EditorKey, document: Document, status: int, payload: dict) -> Answer:
    url = payload.get("url")
    if not isinstance(url, str) or _origin(url) not in ds_origins():
        logger.warning("onlyoffice callback refused: url outside the Document Server origin")
        return REFUSED
    author = _get_user(_acting_user_id(payload))
    if author is None or not may_edit(author, document):
        recipients = _manager_ids(document)
        notify(
            recipients=users_who_may(recipients, document=document),
            verb="ged.onlyoffice.refused",
            text=_(
                "Un enregistrement en ligne de « %(title)s » a été refusé : son auteur n'a plus le droit de "
                "modifier ce document. Vérifiez les accès du dossier."
            )
            % {"title": document.title},
            url=reverse("ged:document", args=[document.pk]),
        )
        logger.warning("onlyoffice save refused: user without edit rights on document %s", document.pk)
        return REFUSED
    ext = extension(document.title)
    filetype = str(payload.get("filetype") or "").lower()
    if filetype in DOCUMENT_TYPES:
        ext = filetype
    stem = document.title.rsplit(".", 1)[0] if "." in document.title else document.title
    name = clean_name(f"{stem}.{ext}")
    workdir = tempfile.mkdtemp(dir=storage.tmp_dir(), prefix="oo-")
    try:
        path = os.path.join(workdir, "download.part")
        try:
            with open(path, "wb") as fh:
                fetch_from_ds(url, fh)
            staged = stage(path, name=name)
        except (FetchRefused, ValidationError, OSError) as exc:
            logger.warning("onlyoffice save of document %s failed: %s", document.pk, exc)
            return FAILED
        changes = _fetch_changes(payload.get("changesurl"), workdir)
        history = payload.get("history") if isinstance(payload.get("history"), dict) else {}
        try:
            return _store(
                ek=ek,
                document=document,
                status=status,
                staged=staged,
                author=author,
                history=history,
                changes=changes,
            )
        finally:
            staged.discard()
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


def _store(*, ek, document, status, staged, author, history, changes) -> Answer:
    from ..actions import version_create

    try:
        with transaction.atomic():
            # The document row lock serialises this with uploads, restores and a duplicate callback.
            locked = Document.objects.select_for_update().only("id", "current_version_id").get(pk=document.pk)
            fresh = EditorKey.objects.get(pk=ek.pk)
            duplicate = fresh.saved_sha256 == staged.sha256 or (
                OnlineSave.objects.filter(key=fresh.key, version__blob_id=staged.sha256).exists()
            )
            if duplicate:
                if status == 2 and fresh.retired_at is None:
                    EditorKey.objects.filter(pk=fresh.pk).update(retired_at=timezone.now(), editors=[])
                return OK  # duplicate: that file is already a version
            if fresh.retired_at is not None or fresh.version_id != locked.current_version_id:
                logger.warning("onlyoffice save refused: stale key for document %s", document.pk)
                return REFUSED
            version = version_create(
                document=document,
                uploaded_file_or_path=staged,
                author=author,
                comment=_("Modifié en ligne par %(name)s")
                % {"name": author.get_full_name() or author.username},
            )
            OnlineSave.objects.create(
                version=version, key=fresh.key, status=status, history=history, changes_zip=changes
            )
            update = {"version": version, "saved_sha256": staged.sha256}
            if status == 2:
                update.update(retired_at=timezone.now(), editors=[])
            EditorKey.objects.filter(pk=fresh.pk).update(**update)
    except ValidationError as exc:  # e.g. checked out by someone else meanwhile
        logger.warning("onlyoffice save of document %s refused: %s", document.pk, exc)
        return FAILED
    return OK
