"""The retention section of the GED document page:
`{% load retention_tags %}{% document_retention document %}`."""

from django import template

from ..queries import document_retention as record_and_holds

register = template.Library()


@register.inclusion_tag("retention/_document_section.html")
def document_retention(document):
    """The document's type, due date and whether it is held (two queries)."""
    record, holds = record_and_holds(document.pk)
    return {"document": document, "record": record, "held": any(h.is_active for h in holds)}
