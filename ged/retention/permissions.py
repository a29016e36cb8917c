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

from ..models import Document
from ..permissions import access_document, manages_space
from .models import DestructionList, FolderRule, LegalHold


def is_archivist(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("ged_retention.archivist")


def is_approver(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("ged_retention.approve_destruction")


def may_hold(user, document) -> bool:
    return is_archivist(user) or manages_space(user, document.space_id)


def document_abilities(user, document, ged_abilities: dict) -> dict[str, bool]:
    hold = may_hold(user, document)
    live = document.trashed_at is None
    return {
        "classify": live and (ged_abilities.get("rename", False) or is_archivist(user)),
        # The folder's default type: the archivist, or a manager of the space.
        "folder_default": live and (is_archivist(user) or manages_space(user, document.space_id)),
        "hold": hold and live,
        "release": hold,
    }


def access_record_document(user, pk, *, need: str = "read"):
    """(document, retention abilities) for a live document the agent may read, or any live document for an
    archivist (the archives see every space); 404 unless `need` is among the abilities."""
    try:
        access = access_document(user, pk)
        document, ged_abilities = access.document, access.abilities
    except Http404:
        if not is_archivist(user):
            raise
        try:
            document = Document.objects.live().select_related("folder").get(pk=parse_id(pk))
        except (Document.DoesNotExist, BadParameter):
            raise Http404 from None
        ged_abilities = {}
    abilities = document_abilities(user, document, ged_abilities)
    if need != "read" and not abilities.get(need):
        raise Http404
    return document, abilities


def access_folder_default(user, pk) -> FolderRule:
    """A folder's default type the agent may remove (archivist, or manager of its space), or 404."""
    try:
        found = FolderRule.objects.select_related("folder").get(folder_id=parse_id(pk))
    except (FolderRule.DoesNotExist, BadParameter):
        raise Http404 from None
    if not (is_archivist(user) or manages_space(user, found.folder.space_id)):
        raise Http404
    return found


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
