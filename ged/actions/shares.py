"""Sharing a single document with an agent or a department (a document grant), and taking it back."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from ..choices import ShareRole
from ..models import Document, DocumentGrant
from ..online import sessions_recheck
from ..permissions import users_who_may


@transaction.atomic
def document_share(
    *, document: Document, actor, role=ShareRole.READER, user=None, group=None, request=None
) -> DocumentGrant:
    """Share `document` alone with an agent or a group, replacing the role they had on it. The caller checked
    the actor's `share_document` ability (editor of the folder). Audited; the grantees who may now read it
    are told (decided by the gate, at send time)."""
    role = ShareRole(role)
    if (user is None) == (group is None):
        raise ValidationError(_("Choisissez un agent ou un service."))
    if user is not None and not user.is_active:
        raise ValidationError(_("Ce compte est désactivé : impossible de lui partager un document."))
    if document.trashed_at is not None:
        raise ValidationError(_("Ce document est dans la corbeille : restaurez-le avant de le partager."))
    grantee = {"user": user} if user is not None else {"group": group}
    grant, _created = DocumentGrant.objects.update_or_create(
        document=document, **grantee, defaults={"role": role, "granted_by": actor}
    )
    audit_record(
        action="ged.document_share",
        actor=actor,
        request=request,
        obj=document,
        extra={
            "space": document.space_id,
            "role": role.value,
            "user": getattr(user, "pk", None),
            "group": getattr(group, "pk", None),
        },
    )
    if user is not None:
        recipients = [user.pk]
    else:
        recipients = list(group.user_set.filter(is_active=True).values_list("pk", flat=True))
    recipients = users_who_may(recipients, document=document, need="read")
    notify(
        recipients=[r for r in recipients if r != getattr(actor, "pk", None)],
        verb="ged.share",
        text=_("%(who)s a partagé avec vous le document « %(title)s » (%(role)s).")
        % {
            "who": actor.get_full_name() if actor else _("Le service informatique"),
            "title": document.title,
            "role": role.label,
        },
        url=reverse("ged:document", args=[document.pk]),
        email=True,
    )
    if role == ShareRole.READER:
        sessions_recheck(folder=document.folder)  # lowered to reader: out of the open editing session
    return grant


@transaction.atomic
def document_unshare(*, document: Document, actor, user=None, group=None, request=None) -> int:
    """Take a document grant back: the agent (or the group's members) lose what it gave at once."""
    if (user is None) == (group is None):
        raise ValidationError(_("Choisissez un agent ou un service."))
    grantee = {"user": user} if user is not None else {"group": group}
    deleted, _rows = DocumentGrant.objects.filter(document=document, **grantee).delete()
    if deleted:
        audit_record(
            action="ged.document_unshare",
            actor=actor,
            request=request,
            obj=document,
            extra={
                "space": document.space_id,
                "user": getattr(user, "pk", None),
                "group": getattr(group, "pk", None),
            },
        )
        sessions_recheck(folder=document.folder)  # whoever lost edit rights leaves the open session
    return deleted
