"""Reads of the records management: rules, due documents, holds, lists and transfers. Each a fixed number
of queries, whatever the number of rows."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from .choices import FinalDisposition
from .models import DestructionList, DocumentRecord, FolderRule, LegalHold, RetentionRule

LIMIT = 200


def rules():
    return RetentionRule.objects.filter(active=True).order_by("code")


def folder_defaults():
    """Every folder's default type, for the archivist's rules page (one query)."""
    return FolderRule.objects.select_related("folder", "folder__space", "rule").order_by(
        "folder__space__name", "folder__path"
    )


def document_retention(document_id: int):
    """The document's record (with its rule) and its holds, newest first: two queries."""
    record = DocumentRecord.objects.select_related("rule").filter(document_id=document_id).first()
    holds = list(LegalHold.objects.filter(document_id=document_id).select_related("owner"))
    today = timezone.localdate()
    for hold in holds:
        hold.is_active = (
            hold.released_at is None
            and hold.start_date <= today
            and (hold.end_date is None or hold.end_date >= today)
        )
    return record, holds


def due_records(disposition: str, day=None):
    """Due documents of rules with this final disposition, with whether each is held: one query."""
    day = day or timezone.localdate()
    held = LegalHold.objects.active(day)
    return (
        DocumentRecord.objects.due(day)
        .filter(rule__final_disposition=disposition, document__placeholder=False)
        .select_related("rule", "document", "document__current_version")
        .annotate(held=Count("document__legal_holds", filter=Q(document__legal_holds__in=held)))
        .order_by("due_date", "document_id")[:LIMIT]
    )


def transfer_documents(day=None):
    """Live documents to keep (C) whose DUA has passed: what a SEDA transfer carries."""
    return (
        DocumentRecord.objects.due(day)
        .filter(
            rule__final_disposition=FinalDisposition.KEEP,
            document__trashed_at__isnull=True,
            document__placeholder=False,
            document__current_version__isnull=False,
        )
        .select_related("rule", "document", "document__current_version")
        .order_by("due_date", "document_id")
    )


def holds(user, *, archivist: bool):
    """Active holds: all of them for an archivist, those the agent owns or placed otherwise."""
    qs = LegalHold.objects.active().select_related("document", "owner").order_by("-created_at", "-pk")
    if not archivist:
        qs = qs.filter(Q(owner=user) | Q(created_by=user))
    return qs[:LIMIT]


def destruction_lists():
    return (
        DestructionList.objects.select_related("proposed_by", "approved_by", "executed_by")
        .annotate(size=Count("items"))
        .order_by("-proposed_at", "-pk")[:50]
    )


def list_with_items(dlist: DestructionList):
    return DestructionList.objects.prefetch_related(Prefetch("items")).get(pk=dlist.pk)
