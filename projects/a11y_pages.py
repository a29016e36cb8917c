"""Pages of the projects app for the automated accessibility checks (`intranet.accessibility`)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Card, Member


def accessibility_pages(user):
    pages = [(reverse("projects:index"), _("Projets")), (reverse("projects:my_tasks"), _("Mes tâches"))]
    member = Member.objects.filter(user=user).order_by("workspace_id").first()
    if member is None:
        return pages
    pages.append((reverse("projects:workspace", args=[member.workspace_id]), _("Projet")))
    card = Card.objects.filter(board__workspace_id=member.workspace_id).order_by("pk").first()
    if card is not None:
        pages.append((reverse("projects:board", args=[card.board_id]), _("Tableau de projet")))
        pages.append((reverse("projects:card", args=[card.pk]), _("Carte de projet")))
    return pages
