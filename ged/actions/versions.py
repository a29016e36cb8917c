"""Uploads and versions: new documents, new versions, restore, milestones, extracted text."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from .. import version_hooks
from ..models import (
    Blob,
    Document,
    Folder,
    Follow,
    Version,
)
from ..names import clean_name
from ..permissions import ancestor_paths, users_who_may
from ..uploads import stage
from .base import StaleVersion, _history_reason
from .blobs import _blob_for
from .titles import is_title_collision, live_namesake


def _followers(document: Document) -> list[int]:
    paths = ancestor_paths(document.folder.path)
    return list(
        Follow.objects.filter(document=document)
        .values_list("user_id", flat=True)
        .union(Follow.objects.filter(folder__path__in=paths).values_list("user_id", flat=True))
    )


def _add_version(
    *,
    document: Document,
    blob: Blob,
    size: int,
    mime_type: str,
    original_name: str,
    author,
    comment: str,
    base_version: int | None,
    created_at: datetime | None,
    restored_from: int | None = None,
    online: bool = False,
    conflict: bool = False,
) -> Version:
    """Call inside a transaction. Locks the document row, checks the base version, numbers the version.

    `online`: saved from the editor (the adapter's callback), anything else is an out-of-band change that
    interrupts an open editing session. `conflict`: an online save kept despite such a change (even under
    someone else's check-out: refusing it would lose the edits)."""
    # Lock the row alone, then read the latest number in a new statement: under READ COMMITTED, a join
    # evaluated while waiting for the lock could miss the version another transaction just committed.
    locked = Document.objects.select_for_update().get(pk=document.pk)
    current = Version.objects.filter(document_id=locked.pk).aggregate(m=Max("number"))["m"] or 0
    if base_version is not None and int(base_version) != current:
        raise StaleVersion(current)
    if not conflict and locked.lock_active() and (author is None or locked.lock_holder_id != author.pk):
        raise ValidationError(
            _(
                "Ce document est réservé par %(who)s jusqu'au %(until)s : "
                "attendez qu'il soit libéré pour envoyer une nouvelle version."
            )
            % {
                "who": locked.lock_holder.get_full_name() if locked.lock_holder else "?",
                "until": timezone.localtime(locked.lock_expires_at).strftime("%d/%m/%Y %H:%M"),
            }
        )
    version = Version.objects.create(
        document=locked,
        number=current + 1,
        blob=blob,
        size=size,
        mime_type=mime_type,
        original_name=original_name[:255],
        author=author,
        comment=(comment or "")[:500],
        created_at=created_at or timezone.now(),
        restored_from=restored_from,
        conflict=conflict,
    )
    if not online and current:  # a first version has no editing session to interrupt
        from ..online import session_interrupt

        session_interrupt(document=locked, cause="restore" if restored_from else "upload", actor=author)
    # A plain UPDATE: the version table is the history of contents; no Document history row per version.
    updated_at = max(version.created_at, locked.updated_at) if created_at else timezone.now()
    # The first version of a WebDAV placeholder makes it a normal document.
    Document.objects.filter(pk=locked.pk).update(
        current_version=version, updated_at=updated_at, placeholder=False
    )
    locked.placeholder = document.placeholder = False
    locked.current_version, locked.updated_at = version, updated_at
    document.current_version = version
    document.updated_at = locked.updated_at
    version_hooks.version_added(document=locked, version=version, author=author)  # circuits: stop on change
    from ..tasks import extract_text

    transaction.on_commit(lambda: extract_text.enqueue(version.pk), robust=True)
    if version.number > 1:
        # Decided now, for each follower, by the document's own permission: a follower of the space root
        # hears nothing of a restricted folder it cannot read, nor does one who lost access since.
        followers = users_who_may(
            [uid for uid in _followers(locked) if author is None or uid != author.pk], document=locked
        )
        if followers:
            notify(
                recipients=followers,
                verb="ged.version",
                text=_("Nouvelle version %(n)s de « %(title)s ».")
                % {"n": version.number, "title": locked.title},
                url=reverse("ged:document", args=[locked.pk]),
                # Mail as each follower chose (daily digest by default), grouped by space there.
                email=True,
                place=locked.space.name,
            )
    return version


def version_create(
    *,
    document: Document,
    uploaded_file_or_path,
    author,
    comment: str = "",
    base_version: int | None = None,
    created_at: datetime | None = None,
    request=None,
    online: bool = False,
    conflict: bool = False,
) -> Version:
    """A new version from an upload, a file or a path (the "
    "OnlyOffice callback reuses this with `online`, see `_add_version`). Stale base -> StaleVersion."""
    staged = stage(uploaded_file_or_path)
    try:
        with transaction.atomic():
            blob = _blob_for(staged)
            version = _add_version(
                document=document,
                blob=blob,
                size=staged.size,
                mime_type=staged.mime_type,
                original_name=staged.name,
                author=author,
                comment=comment,
                base_version=base_version,
                created_at=created_at,
                online=online,
                conflict=conflict,
            )
            audit_record(
                action="ged.version.create",
                actor=author,
                request=request,
                obj=document,
                extra={"space": document.space_id, "version": version.number},
            )
    finally:
        staged.discard()
    return version


def document_upload(
    *,
    folder: Folder,
    uploaded_file_or_path,
    author,
    comment: str = "",
    title: str | None = None,
    created_at: datetime | None = None,
    request=None,
    import_key: str | None = None,
) -> tuple[Document, Version]:
    """Add a file to a folder. A live document with the same name becomes a new version: nothing is ever
    overwritten, which is what the old file share did."""
    staged = stage(uploaded_file_or_path)
    title = clean_name(title or staged.name)
    try:
        with transaction.atomic():
            blob = _blob_for(staged)
            document = live_namesake(folder.pk, title)
            if document is None:
                document = _document_create(
                    folder=folder, title=title, author=author, created_at=created_at, import_key=import_key
                )
            version = _add_version(
                document=document,
                blob=blob,
                size=staged.size,
                mime_type=staged.mime_type,
                original_name=staged.name,
                author=author,
                comment=comment,
                base_version=None,
                created_at=created_at,
            )
            audit_record(
                action="ged.upload",
                actor=author,
                request=request,
                obj=document,
                extra={"space": folder.space_id, "version": version.number},
            )
    finally:
        staged.discard()
    return document, version


def _document_create(*, folder: Folder, title: str, author, created_at, import_key) -> Document:
    """A new document, or, when a concurrent upload created its namesake since the check, that one: the
    upload becomes its new version, as it would have a moment later (the title rule, actions/titles.py)."""
    now = created_at or timezone.now()
    document = Document(
        title=title,
        folder=folder,
        space_id=folder.space_id,
        created_by=author,
        created_at=now,
        updated_at=now,
        import_key=import_key,
    )
    try:
        with transaction.atomic():
            _history_reason(document, "create").save()
    except IntegrityError as exc:
        namesake = live_namesake(folder.pk, title) if is_title_collision(exc) else None
        if namesake is None:
            raise
        return namesake
    return document


@transaction.atomic
def version_restore(*, version: Version, actor, request=None) -> Version:
    """Restoring an old version creates a new one with the same content: history only grows."""
    document = version.document
    new = _add_version(
        document=document,
        blob=version.blob,
        size=version.size,
        mime_type=version.mime_type,
        original_name=version.original_name,
        author=actor,
        comment=_("Restauration de la version %(n)s") % {"n": version.number},
        base_version=None,
        created_at=None,
        restored_from=version.number,
    )
    audit_record(
        action="ged.version.restore",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": document.space_id, "from": version.number, "version": new.number},
    )
    return new


@transaction.atomic
def version_milestone(*, version: Version, label: str, actor) -> Version:
    version.milestone = " ".join((label or "").split())[:100]
    Version.objects.filter(pk=version.pk).update(milestone=version.milestone)
    audit_record(
        action="ged.version.milestone",
        actor=actor,
        obj=version.document,
        extra={"space": version.document.space_id, "version": version.number, "label": version.milestone},
    )
    return version


def document_text_update(*, document_id: int, version_number: int, text: str) -> None:
    """Store the extracted text if it still belongs to the current version (a newer one may have arrived)."""
    Document.objects.filter(pk=document_id, current_version__number=version_number).update(
        text_content=text, text_version=version_number
    )
