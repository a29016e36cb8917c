"""`{% card_milestone card as choice %}`: the card's milestone and the open milestones of its project it may
join, for the card page's « Jalon » section (projects/views.py needs no change to show it). One query."""

from django import template

from ..models import Milestone

register = template.Library()


@register.simple_tag
def card_milestone(card):
    milestones = list(Milestone.objects.filter(workspace_id=card.board.workspace_id).order_by("date", "pk"))
    current = next((m for m in milestones if m.pk == card.milestone_id), None)
    return {"current": current, "choices": [m for m in milestones if not m.closed or m is current]}
