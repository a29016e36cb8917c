"""Resumable uploads: a session with a server-generated id, chunks appended at the offset the server holds,
and a finish that moves the spool file into the blob store (a rename, no copy) through the same actions as
a single-shot upload (`document_upload`, `version_create`).

Bytes are hashed as they arrive; the SHA-256 state is saved on the session after each chunk, so a chunk may
reach any worker and the file is never read again to hash it. One writer per session at a time (an
exclusive `flock` on the spool file); the row says how many bytes are safely in the file."""

import contextlib
import fcntl
import os
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Document, Folder, UploadSession, Version
from ..names import clean_name
from ..permissions import access_document, access_folder
from ..storage import fsync_directory
from ..uploads import (
    CHUNK,
    ResumableSha256,
    file_sha256,
    max_upload_bytes,
    refuse_forbidden_type,
    session_spool_dir,
    session_spool_path,
    stage_spooled,
    too_big_message,
)
from .versions import document_upload, version_create


class OffsetMismatch(Exception):
    """The chunk does not start where the server is: the client resumes from `offset`."""

    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset
        self.message = _(
            "Cet envoi reprend à l'octet %(offset)s : renvoyez la suite du fichier à partir de là."
        ) % {"offset": offset}


class SessionBusy(Exception):
    message = ""

    def __init__(self):
        super().__init__()
        self.message = _("Une autre partie de ce fichier est en cours d'envoi : attendez qu'elle se termine.")


class IncompleteChunk(Exception):
    """The body ended before its announced length (a cut connection): what arrived is kept."""

    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset
        self.message = _(
            "La partie envoyée est incomplète (connexion coupée ?) : l'envoi reprendra à l'octet %(offset)s."
        ) % {"offset": offset}


def chunk_max_bytes() -> int:
    return settings.GED_UPLOAD_CHUNK_MAX_MB * 1024 * 1024


def _expiry() -> datetime:
    return timezone.now() + timedelta(hours=settings.GED_UPLOAD_SESSION_HOURS)


def upload_session_create(
    *,
    owner,
    folder: Folder | None = None,
    document: Document | None = None,
    filename: str,
    size: int,
    comment: str = "",
) -> UploadSession:
    """Open a session for a file of `size` bytes going to `folder` (a new document, or a new version of the
    live document of that name) or to `document` (a new version). The caller has checked the right to
    upload there; it is checked again at the finish."""
    if (folder is None) == (document is None):
        raise ValueError("one target: folder or document")
    name = clean_name(os.path.basename((filename or "").replace("\\", "/")))
    if not name:
        raise ValidationError(_("Indiquez le nom du fichier à envoyer."), code="name")
    if size < 1:
        raise ValidationError(
            _("Le fichier « %(name)s » est vide : choisissez un fichier qui a un contenu.") % {"name": name},
            code="empty",
        )
    if size > max_upload_bytes():
        raise ValidationError(too_big_message(), code="too_big")
    refuse_forbidden_type(name)
    now = timezone.now()
    if (
        UploadSession.objects.filter(owner=owner, expires_at__gt=now).count()
        >= settings.GED_UPLOAD_SESSIONS_PER_USER
    ):
        raise ValidationError(
            _(
                "Vous avez déjà %(n)s envois en cours : terminez-les ou annulez-les avant d'en commencer "
                "un autre."
            )
            % {"n": settings.GED_UPLOAD_SESSIONS_PER_USER},
            code="too_many",
        )
    session = UploadSession(
        id=secrets.token_urlsafe(32),
        owner=owner,
        folder=folder,
        document=document,
        filename=name[:255],
        comment=(comment or "").replace("\x00", "")[:500],  # PostgreSQL refuses NUL in text
        size=size,
        received=0,
        hash_state=ResumableSha256().state() if ResumableSha256.available else None,
        expires_at=_expiry(),
        created_at=now,
    )
    session.save(force_insert=True)
    spool = session_spool_path(session.id)
    spool.touch(mode=0o600, exist_ok=False)
    fsync_directory(spool.parent)  # the file's name survives a power cut too
    return session


@contextlib.contextmanager
def _spool_locked(session: UploadSession):
    """The session's spool file, open and held exclusively (another request on the same session gets
    SessionBusy rather than waiting with its body unread)."""
    try:
        fh = open(session_spool_path(session.id), "r+b")  # noqa: SIM115 (closed below, after the lock)
    except FileNotFoundError:
        _drop(session)
        raise ValidationError(
            _("Cet envoi a été interrompu trop longtemps et n'existe plus : recommencez l'envoi du fichier."),
            code="gone",
        ) from None
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SessionBusy() from None
        yield fh
    finally:
        fh.close()


def upload_session_write(*, session: UploadSession, offset: int, length: int, stream) -> UploadSession:
    """Append `length` bytes read from `stream` at `offset`, which must be the bytes already received.

    A body cut short keeps what arrived (the session's offset moves) and raises IncompleteChunk; the client
    asks for the offset and sends the rest."""
    if length > chunk_max_bytes():
        raise ValidationError(
            _("Une partie ne peut dépasser %(mb)s Mo : découpez le fichier en parties plus petites.")
            % {"mb": settings.GED_UPLOAD_CHUNK_MAX_MB},
            code="too_big",
        )
    if offset != session.received:
        raise OffsetMismatch(session.received)
    if offset + length > session.size:
        raise ValidationError(
            _("Cette partie dépasse la taille annoncée du fichier (%(size)s octets).")
            % {"size": session.size},
            code="past_end",
        )
    with _spool_locked(session) as fh:
        # Under the lock, the row is the truth: another request may have just appended this very range.
        current = UploadSession.objects.filter(pk=session.pk).values_list("received", "hash_state").first()
        if current is None:
            raise ValidationError(_("Cet envoi n'existe plus : recommencez l'envoi du fichier."), code="gone")
        received, state = current
        if received != offset:
            session.received = received
            raise OffsetMismatch(received)
        hasher = ResumableSha256(state) if state is not None and ResumableSha256.available else None
        fh.seek(offset)
        fh.truncate()  # bytes past the offset belong to a chunk that was never acknowledged
        got = 0
        try:
            while got < length:
                data = stream.read(min(CHUNK, length - got))
                if not data:
                    break
                fh.write(data)
                if hasher is not None:
                    hasher.update(data)
                got += len(data)
        finally:
            # Whatever arrived is kept, even when the client went away mid-chunk; on disk for good (one
            # fsync per chunk) before the row says it arrived, so a power cut after the answer loses nothing
            # acknowledged. A failing fsync records nothing: the client sends those bytes again.
            fh.flush()
            if got:
                os.fsync(fh.fileno())
            session.received = offset + got
            session.hash_state = hasher.state() if hasher is not None else None
            session.expires_at = _expiry()
            UploadSession.objects.filter(pk=session.pk, received=offset).update(
                received=session.received, hash_state=session.hash_state, expires_at=session.expires_at
            )
    if got < length:
        raise IncompleteChunk(session.received)
    return session


def upload_session_finish(*, session: UploadSession, request=None) -> tuple[Document, Version]:
    """Turn a complete session into a version, through the same actions as a single-shot upload. The right
    to upload is checked again now (Http404 if it was lost meanwhile; the session stays, to be cancelled).
    A file the checks refuse ends the session."""
    user = session.owner
    if session.folder_id is not None:
        target_folder = access_folder(user, session.folder_id, need="upload").folder
        target_document = None
    else:
        target_folder = None
        target_document = access_document(user, session.document_id, need="upload_version").document
    with _spool_locked(session) as fh:
        received, state = (
            UploadSession.objects.filter(pk=session.pk).values_list("received", "hash_state").get()
        )
        if received != session.size:
            raise OffsetMismatch(received)
        path = session_spool_path(session.id)
        if os.fstat(fh.fileno()).st_size != session.size:
            _drop(session)
            raise ValidationError(_("Le fichier reçu est incomplet : recommencez son envoi."), code="broken")
        if state is not None and ResumableSha256.available:
            sha = ResumableSha256(state).hexdigest()
        else:
            sha = file_sha256(path)
        try:
            staged = stage_spooled(path, sha256=sha, size=session.size, name=session.filename)
        except ValidationError:
            _drop(session)
            raise
        try:
            document, version = _finish_into_version(session, staged, target_folder, target_document, request)
        except ValidationError:
            # Refused by the action: the staged file is gone, so is the session.
            _drop(session)
            raise
    return document, version


def _finish_into_version(session, staged, target_folder, target_document, request):
    """The version, through the single-shot upload's actions; the session row goes in the same transaction
    (a rolled-back finish leaves the session to retry or sweep)."""
    with transaction.atomic():
        UploadSession.objects.filter(pk=session.pk).delete()
        if target_folder is not None:
            return document_upload(
                folder=target_folder,
                uploaded_file_or_path=staged,
                author=session.owner,
                comment=session.comment,
                request=request,
            )
        version = version_create(
            document=target_document,
            uploaded_file_or_path=staged,
            author=session.owner,
            comment=session.comment,
            request=request,
        )
        return target_document, version


def _drop(session: UploadSession) -> None:
    UploadSession.objects.filter(pk=session.pk).delete()
    session_spool_path(session.id).unlink(missing_ok=True)


def upload_session_cancel(*, session: UploadSession) -> None:
    _drop(session)


def upload_sessions_sweep(*, now: datetime | None = None, stray_older_than: float = 3600) -> tuple[int, int]:
    """Remove expired sessions with their spool files, then spool files no session owns (a session deleted
    while its file was being written, a crash) once they are `stray_older_than` seconds old. Returns
    (sessions, stray files) removed."""
    now = now or timezone.now()
    expired = list(UploadSession.objects.filter(expires_at__lte=now).values_list("pk", flat=True))
    removed = 0
    for pk in expired:
        # Deleted only if still expired (a chunk arriving meanwhile moved the expiry on).
        if UploadSession.objects.filter(pk=pk, expires_at__lte=now).delete()[0]:
            session_spool_path(pk).unlink(missing_ok=True)
            removed += 1
    live = set(UploadSession.objects.values_list("pk", flat=True))
    cutoff = now.timestamp() - stray_older_than
    strays = 0
    spool_dir = session_spool_dir(create=False)
    for path in spool_dir.iterdir() if spool_dir.is_dir() else ():
        if not path.is_file() or path.name.removesuffix(".part") in live:
            continue
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                strays += 1
    return removed, strays
