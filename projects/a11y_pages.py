"""Pages of the projects app for the automated accessibility checks (`intranet.accessibility`)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .choices import MemberRole
from .models import Card, Member, Milestone, Template
from .templating import may_edit_template


def accessibility_pages(user):
    pages = [(reverse("projects:index"), _("Projets")), (reverse("projects:my_tasks"), _("Mes tâches"))]
    pages.append((reverse("projects:templates"), _("Modèles de projet")))
    template = Template.objects.order_by("pk").first()
    if template is not None:
        pages.append((reverse("projects:template", args=[template.pk]), _("Modèle de projet")))
        if may_edit_template(user, template):
            pages.append((reverse("projects:template_edit", args=[template.pk]), _("Modifier le modèle")))
    pages.append((reverse("projects:portfolio"), _("Portefeuille de projets")))
    pages.append((reverse("projects:feed"), _("Mes échéances dans mon agenda")))
    member = Member.objects.filter(user=user).order_by("workspace_id").first()
    if member is None:
        return pages
    pages.append((reverse("projects:workspace", args=[member.workspace_id]), _("Projet")))
    pages.append((reverse("projects:milestones", args=[member.workspace_id]), _("Jalons du projet")))
    pages.append((reverse("projects:timeline", args=[member.workspace_id]), _("Chronologie du projet")))
    milestone = Milestone.objects.filter(workspace_id=member.workspace_id).order_by("pk").first()
    if milestone is not None:
        pages.append((reverse("projects:milestone", args=[milestone.pk]), _("Jalon")))
    if member.role == MemberRole.MANAGER:
        edit = reverse("projects:workspace_edit", args=[member.workspace_id])
        pages.append((edit, _("Modifier le projet")))
    card = Card.objects.filter(board__workspace_id=member.workspace_id).order_by("pk").first()
    if card is not None:
        pages.append((reverse("projects:board", args=[card.board_id]), _("Tableau de projet")))
        pages.append((reverse("projects:card", args=[card.pk]), _("Carte de projet")))
        if member.role == MemberRole.MANAGER:
            pages.append((reverse("projects:board_edit", args=[card.board_id]), _("Modifier le tableau")))
    return pages
