"""`{% card_links card as links %}`: the card's links the viewer may open, resolved through the core hooks
(a link to what the viewer may not read is absent). Used by the card page, so projects/views.py needs no
change to show them."""

from django import template

from intranet import registry

from ..links import card_links as _card_links

register = template.Library()


@register.simple_tag(takes_context=True)
def card_links(context, card):
    return _card_links(card, context["request"].user)


@register.simple_tag
def link_kinds():
    return registry.link_kinds()


@register.simple_tag
def attachments_on():
    return registry.attachment_store() is not None
