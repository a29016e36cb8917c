"""Inline SVG icons: `{% icon "folder" %}`. Emoji depend on the agent's fonts (an empty box where none is
installed); these draw with the text's colour at the text's size. Decorative by default (hidden from screen
readers, the words beside them say it); `{% icon "check" label="Autorisé" %}` when the icon alone carries
the meaning."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Stroke drawings on a 24 × 24 grid; names, and what each one means for the theme picker.
ICONS = {
    "logo": (
        _("Intranet"),
        '<rect x="3" y="3" width="18" height="18" rx="4"/><path d="M7 8h10M7 12h10M7 16h6"/>',
    ),
    "folder": (
        _("Dossier"),
        '<path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/>',
    ),
    "check": (_("Validé"), '<path d="M5 12.5l4.5 4.5L19 7.5"/>'),
    "alert": (_("Attention"), '<path d="M12 3l9.5 17h-19z"/><path d="M12 10v4.5M12 17.5v.01"/>'),
    "cross": (_("Interdit"), '<path d="M6 6l12 12M18 6L6 18"/>'),
    "people": (
        _("Personnes"),
        '<circle cx="9" cy="8" r="3.2"/><path d="M3 20c.6-3.6 3-5.5 6-5.5s5.4 1.9 6 5.5"/>'
        '<path d="M15.5 5.3a3 3 0 0 1 0 5.4M17.5 14.8c1.8.7 3 2.4 3.5 5.2"/>',
    ),
    "euro": (_("Finances"), '<path d="M17.5 6.5A7 7 0 1 0 17.5 17.5"/><path d="M4 10.5h9M4 13.5h9"/>'),
    "car": (
        _("Véhicules"),
        '<path d="M4 16v-4l2.2-5h11.6L20 12v4z"/><path d="M4 12h16"/>'
        '<circle cx="7.5" cy="17" r="1.8"/><circle cx="16.5" cy="17" r="1.8"/>',
    ),
    "laptop": (
        _("Numérique"),
        '<rect x="5" y="5" width="14" height="10" rx="1"/><path d="M2.5 19h19l-2-4h-15z"/>',
    ),
    "building": (
        _("Bâtiments et urbanisme"),
        '<path d="M4 21V5l8-2v18M12 8h8v13M2.5 21h19"/><path d="M7 8h2M7 12h2M7 16h2M15 12h2M15 16h2"/>',
    ),
    "scales": (
        _("Juridique"),
        '<path d="M12 4v16M7 20h10M5 7h14"/><path d="M5 7l-3 6a3 3 0 0 0 6 0zM19 7l-3 6a3 3 0 0 0 6 0z"/>',
    ),
    "megaphone": (
        _("Communication"),
        '<path d="M4 10v4h3l9 5V5L7 10z"/><path d="M7 14l1.5 5h2.5l-1-4.5M19 9.5a3 3 0 0 1 0 5"/>',
    ),
    "book": (_("Guides"), '<path d="M4 5a2 2 0 0 1 2-2h13v16H6a2 2 0 0 0-2 2z"/><path d="M4 21V5M8 7h7"/>'),
}

# What the theme picker offers (kotje.ThemePage.icon).
THEME_ICON_CHOICES = [
    (name, label)
    for name, (label, _markup) in ICONS.items()
    if name not in {"logo", "check", "alert", "cross"}
]


ATTRS = (
    'viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="1.8" '
    'stroke-linecap="round" stroke-linejoin="round" focusable="false"'
)


@register.simple_tag
def icon(name, label=""):
    """The SVG of `name` ('' for an unknown or empty name, so an old value never breaks a page). Names and
    drawings are this module's constants; only the label comes from outside, and it is escaped."""
    entry = ICONS.get(name or "")
    if entry is None:
        return ""
    head = f'<svg class="icon icon--{name}" {ATTRS}'
    if label:
        return format_html(head + ' role="img" aria-label="{}">' + entry[1] + "</svg>", label)
    return format_html(head + ' aria-hidden="true" data-icon="{}">' + entry[1] + "</svg>", name)
