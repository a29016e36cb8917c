"""Who may do what in the records management.

- « Archiviste »: the Django permission `ged_retention.archivist` (given to a user or a group in the admin).
  Places and releases holds on any document, proposes and executes destruction lists, exports transfers,
  edits the rules in the admin (with the model permissions).
- « Visa des éliminations »: `ged_retention.approve_destruction`, the second role: approves a list someone
  else proposed (never their own, also held by a database constraint).
- Space managers place and release holds on the documents of their spaces.
- A document's type (rule and event date) is set by those who may rename it in the GED (editors), or an
  archivist who may read it.
Everything else answers 404, like a missing object."""

from django.http import Http404

from intranet.params import BadParameter, parse_id

from ..permissions import DocumentAccess, access_document, manages_space
from .models import DestructionList, LegalHold


def is_archivist(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("ged_retention.archivist")


def is_approver(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("ged_retention.approve_destruction")


def may_hold(user, document) -> bool:
    return is_archivist(user) or manages_space(user, document.space_id)


def document_abilities(user, access: DocumentAccess) -> dict[str, bool]:
    document = access.document
    hold = may_hold(user, document)
    return {
        "classify": access.abilities.get("rename", False)
        or (is_archivist(user) and document.trashed_at is None),
        "hold": hold and document.trashed_at is None,
        "release": hold,
    }


def access_record_document(user, pk, *, need: str = "read") -> tuple[DocumentAccess, dict]:
    """A live document the agent may read, with its retention abilities; 404 unless `need` is among them."""
    access = access_document(user, pk)
    abilities = document_abilities(user, access)
    if need != "read" and not abilities.get(need):
        raise Http404
    return access, abilities


def access_hold(user, pk) -> LegalHold:
    """A hold the agent may release (archivist, or manager of its document's space), or 404."""
    try:
        hold = LegalHold.objects.select_related("document", "owner").get(pk=parse_id(pk))
    except (LegalHold.DoesNotExist, BadParameter):
        raise Http404 from None
    if not may_hold(user, hold.document):
        raise Http404
    return hold


def access_list(user, pk) -> DestructionList:
    """A destruction list, for archivists and approvers only; 404 for everyone else."""
    if not (is_archivist(user) or is_approver(user)):
        raise Http404
    try:
        return DestructionList.objects.select_related("proposed_by", "approved_by", "executed_by").get(
            pk=parse_id(pk)
        )
    except (DestructionList.DoesNotExist, BadParameter):
        raise Http404 from None
