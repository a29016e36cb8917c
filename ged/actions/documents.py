"""Editing a document's details, moving it, checking it out and in, following."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from ..models import (
    Document,
    Folder,
    Follow,
)
from ..names import clean_name
from ..permissions import manages_space, users_who_may
from .base import _history_reason
from .titles import title_check, title_guard, title_taken, title_taken_message


@transaction.atomic
def document_update(
    *,
    document: Document,
    actor,
    title: str | None = None,
    description: str | None = None,
    tags: str | None = None,
) -> Document:
    fields = []
    if title is not None:
        title = clean_name(title)
        if title_taken(document.folder_id, title, exclude_pk=document.pk):
            raise ValidationError({"title": title_taken_message(title)})
        document.title = title
        fields.append("title")
    if description is not None:
        document.description = description[:5000]
        fields.append("description")
    if tags is not None:
        document.tags = ", ".join(t.strip() for t in tags.split(",") if t.strip())[:500]
        fields.append("tags")
    if fields:
        with title_guard(document.title):
            _history_reason(document, "update").save(update_fields=fields)
    return document


@transaction.atomic
def document_move(*, document: Document, target: Folder, actor, request=None) -> Document:
    if target.space_id != document.space_id and not (
        manages_space(actor, document.space_id) and manages_space(actor, target.space_id)
    ):
        raise ValidationError(
            _("Seul un gestionnaire des deux espaces peut déplacer un document d'un espace à l'autre.")
        )
    refusal = _("Un document « %(name)s » existe déjà dans la destination : renommez-le d'abord.") % {
        "name": document.title
    }
    title_check(target.pk, document.title, exclude_pk=document.pk, message=refusal)
    source = document.folder_id
    document.folder = target
    document.space_id = target.space_id
    with title_guard(document.title, message=refusal):
        _history_reason(document, "move").save(update_fields=["folder", "space"])
    audit_record(
        action="ged.document.move",
        actor=actor,
        request=request,
        obj=document,
        extra={"space": target.space_id, "from": source, "to": target.pk},
    )
    return document


@transaction.atomic
def document_lock(*, document: Document, actor, minutes: int | None = None) -> Document:
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.lock_active() and locked.lock_holder_id != actor.pk:
        raise ValidationError(_("Ce document est déjà réservé par quelqu'un d'autre."))
    locked.lock_holder = actor
    locked.lock_expires_at = timezone.now() + timedelta(minutes=minutes or settings.GED_LOCK_MINUTES)
    _history_reason(locked, "lock").save(update_fields=["lock_holder", "lock_expires_at"])
    from ..online import session_interrupt

    session_interrupt(document=locked, cause="checkout", actor=actor)
    document.lock_holder, document.lock_expires_at = locked.lock_holder, locked.lock_expires_at
    return document


@transaction.atomic
def document_unlock(*, document: Document, actor) -> Document:
    locked = Document.objects.select_for_update().get(pk=document.pk)
    broken = locked.lock_holder_id and locked.lock_holder_id != actor.pk
    previous = locked.lock_holder_id
    locked.lock_holder = None
    locked.lock_expires_at = None
    _history_reason(locked, "unlock").save(update_fields=["lock_holder", "lock_expires_at"])
    document.lock_holder, document.lock_expires_at = None, None
    recipients = users_who_may([previous], document=locked) if broken and previous else []
    if recipients:
        notify(
            recipients=recipients,
            verb="ged.unlock",
            text=_("%(who)s a levé votre réservation de « %(title)s ».")
            % {"who": actor.get_full_name(), "title": locked.title},
            url=reverse("ged:document", args=[locked.pk]),
        )
    return document


# --- Following, text, leavers -------------------------------------------------------------------------


@transaction.atomic
def follow_toggle(*, user, document: Document | None = None, folder: Folder | None = None) -> bool:
    """Follow or stop following; returns True when the agent now follows."""
    existing = Follow.objects.filter(user=user, document=document, folder=folder)
    if existing.exists():
        existing.delete()
        return False
    try:
        with transaction.atomic():
            Follow.objects.create(user=user, document=document, folder=folder)
    except IntegrityError:
        pass
    return True
