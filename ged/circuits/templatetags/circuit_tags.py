"""The circuit section of the GED document page: `{% load circuit_tags %}{% document_circuit document %}`."""

from django import template

from ..queries import document_circuit as newest_circuit

register = template.Library()


@register.inclusion_tag("circuits/_document_section.html", takes_context=True)
def document_circuit(context, document):
    """The document's newest circuit and whether it may be submitted now (one query)."""
    circuit = newest_circuit(document.pk)
    return {
        "document": document,
        "circuit": circuit,
        "can_submit": document.current_version_id is not None and (circuit is None or circuit.finished),
    }
