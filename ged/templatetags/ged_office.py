"""What the document page offers through the Document Server's Conversion API."""

from django import template

from .. import conversion
from ..names import extension

register = template.Library()


@register.simple_tag
def office_actions(document, abilities) -> dict:
    """`convert`: a legacy .doc/.xls/.ppt the agent may version; `pdf`: an office file to download as PDF.
    Both off without OnlyOffice settings (the views answer 404 then)."""
    if document.current_version_id is None or document.trashed_at is not None or not conversion.enabled():
        return {}
    ext = extension(document.title)
    return {
        "convert": bool(abilities.get("upload_version")) and ext in conversion.LEGACY_TO_OOXML,
        "convert_to": conversion.LEGACY_TO_OOXML.get(ext, "").upper(),
        "pdf": bool(abilities.get("download")) and ext in conversion.PDF_SOURCES,
    }
