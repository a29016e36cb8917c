"""`rule_for` / `hold_for` read from the retention app's tables when they exist, in two queries for a whole
transfer. The SEDA export does not depend on them: without them (or before their migration ran) every item
simply carries no rule and no hold."""

from collections.abc import Iterable

from django.db import DatabaseError

# The retention table's final disposition -> SEDA FinalAction: C (conserver) and T (trier: the archives sort
# on arrival) are kept, D is destroyed.
_FINAL_ACTION = {"C": "Keep", "T": "Keep", "D": "Destroy"}


def _none(_document):
    return None


def retention_lookups(document_ids: Iterable[int]):
    """(rule_for, hold_for) for these documents, or two functions answering None when the retention models
    are not importable or their tables are missing."""
    ids = list(document_ids)
    try:
        from ged.retention.models import DocumentRecord, LegalHold
    except ImportError:
        return _none, _none
    try:
        records = {
            r.document_id: (r.rule.code, r.event_date, _FINAL_ACTION.get(r.rule.final_disposition))
            for r in DocumentRecord.objects.filter(document_id__in=ids).select_related("rule")
        }
        holds = {}
        for hold in LegalHold.objects.active().filter(document_id__in=ids).order_by("start_date"):
            holds.setdefault(hold.document_id, (hold.reason, hold.start_date))
    except (DatabaseError, AttributeError):
        return _none, _none
    return (lambda d: records.get(d.pk)), (lambda d: holds.get(d.pk))
