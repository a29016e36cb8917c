"""File types in words in templates: `{{ name|file_type:mime_type }}` gives « Document Word »."""

from django import template

from ..filetypes import type_label

register = template.Library()


@register.filter
def file_type(name, mime_type=None) -> str:
    return type_label(mime_type or "", name or "")
