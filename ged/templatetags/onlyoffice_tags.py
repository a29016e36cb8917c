"""The document page's « Modifier en ligne » / « Ouvrir » button (no query: settings and the title only)."""

from django import template
from django.urls import reverse

from .. import onlyoffice

register = template.Library()


@register.simple_tag
def onlyoffice_link(document, abilities) -> dict:
    """`url` of the editor page and `edit` (the agent may save versions) when co-editing is on and the
    file is an office document; empty otherwise."""
    if not abilities.get("read") or not onlyoffice.editable(document):
        return {}
    return {
        "url": reverse("ged:onlyoffice_editor", args=[document.pk]),
        "edit": bool(abilities.get("upload_version")),
    }


@register.simple_tag
def onlyoffice_enabled() -> bool:
    """Co-editing is configured: « Créer un document » opens the editor; otherwise the agent gets a blank file
    to download, edit on the computer and send back as a new version."""
    return onlyoffice.enabled()
