"""Trash, restore (never widening access) and purge."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record

from .. import removal_hooks
from ..models import (
    Document,
    Folder,
)
from ..permissions import ancestor_paths
from .base import _history_reason
from .titles import free_title, is_title_collision, title_taken_message


@transaction.atomic
def document_trash(*, document: Document, actor, request=None) -> Document:
    removal_hooks.check_removal(documents=[document], action="trash")
    document.trashed_at = timezone.now()
    document.trashed_by = actor
    document.lock_holder = None
    document.lock_expires_at = None
    _history_reason(document, "trash").save(
        update_fields=["trashed_at", "trashed_by", "lock_holder", "lock_expires_at"]
    )
    audit_record(
        action="ged.document.trash",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": document.space_id},
    )
    removal_hooks.document_trashed(document=document, actor=actor)
    return document


def restore_destination(document: Document) -> Folder:
    """Where a trashed document goes back: its folder, or the nearest surviving ancestor when that folder (or
    one above it) was deleted. Refused (ValidationError) when a deleted folder on the way was restricted:
    the ancestor would let more people read it. One query."""
    folder = document.folder
    chain = list(Folder.objects.filter(path__in=ancestor_paths(folder.path)).order_by("path"))
    destination = None
    for f in chain:
        if f.trashed_at is not None:
            break
        destination = f
    gone = chain[len(chain) if destination is None else chain.index(destination) + 1 :]
    if destination is None:
        destination = chain[0]
    restricted = next((f for f in gone if f.restricted), None)
    if restricted is not None:
        raise ValidationError(
            _(
                "Le dossier à accès restreint « %(folder)s » qui contenait ce document a été supprimé : le "
                "restaurer ailleurs le rendrait lisible par plus de monde. Un gestionnaire de l'espace peut "
                "le supprimer définitivement."
            )
            % {"folder": restricted.name}
        )
    return destination


@transaction.atomic
def document_restore(*, document: Document, actor, request=None) -> Document:
    """Back to its folder, or to the nearest surviving ancestor if that folder was deleted (never out of a
    deleted restricted folder: see restore_destination); renamed if a live document took its name meanwhile.
    """
    folder = restore_destination(document)
    label = _("restauré %(when)s") % {"when": timezone.localtime().strftime("%Y-%m-%d %H%M")}
    original = document.title
    document.folder = folder
    document.space_id = folder.space_id
    document.trashed_at = None
    document.trashed_by = None
    for _attempt in range(3):
        document.title = free_title(folder.pk, original, label=label)
        try:
            with transaction.atomic():
                _history_reason(document, "restore").save(
                    update_fields=["folder", "space", "title", "trashed_at", "trashed_by"]
                )
            break
        except IntegrityError as exc:  # a concurrent write took that name since the check: next one
            if not is_title_collision(exc):
                raise
    else:
        raise ValidationError(title_taken_message(original))
    audit_record(
        action="ged.document.restore",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": document.space_id},
    )
    return document


@transaction.atomic
def document_purge(*, document: Document, actor=None, request=None) -> None:
    """Delete for good (from the trash only). Unreferenced blobs are removed by ged_cleanup."""
    if document.trashed_at is None:
        raise ValidationError(_("Seul un document de la corbeille peut être supprimé définitivement."))
    removal_hooks.check_removal(documents=[document], action="purge")
    pk, space_id, title = document.pk, document.space_id, document.title
    Document.objects.filter(pk=pk).update(current_version=None)
    document.delete()
    audit_record(
        action="ged.document.purge",
        actor=actor,
        request=request,
        object_type="ged.document",
        object_id=pk,
        actor_label="" if actor else "ged_purge",
        extra={"space": space_id, "title": title},
    )


def trash_purge_expired(*, now=None, progress=None) -> int:
    """`progress` (an `intranet.ops.progress.Progress`, optional) is told the total, then each purge."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.GED_TRASH_DAYS)
    count = 0
    expired = Document.objects.filter(trashed_at__lt=cutoff)
    if progress is not None and progress.interactive:
        progress.add_total(expired.count())
    for document in expired:
        try:
            document_purge(document=document)
        except removal_hooks.RemovalRefused:
            # Held (legal hold): kept in the trash until the hold is released; the rest of the run goes on.
            if progress is not None:
                progress.advance()
            continue
        count += 1
        if progress is not None:
            progress.advance()
    return count
