"""The retention section of the GED document page:
`{% load retention_tags %}{% document_retention document %}`."""

from django import template
from django.db.models import Exists, OuterRef

from ...models import Document
from ..models import LegalHold

register = template.Library()


@register.inclusion_tag("retention/_document_section.html")
def document_retention(document):
    """The document's type, due date and whether it is held, in one query (the few values only)."""
    row = (
        Document.objects.filter(pk=document.pk)
        .annotate(held=Exists(LegalHold.objects.active().filter(document=OuterRef("pk"))))
        .values(
            "held",
            "retention_record__rule__code",
            "retention_record__rule__label",
            "retention_record__due_date",
        )
        .first()
    ) or {}
    record = None
    if row.get("retention_record__rule__code"):
        record = {
            "code": row["retention_record__rule__code"],
            "label": row["retention_record__rule__label"],
            "due_date": row["retention_record__due_date"],
        }
    return {"document": document, "record": record, "held": bool(row.get("held"))}
