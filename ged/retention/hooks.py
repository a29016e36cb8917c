"""What the records management adds to the rest of the intranet: pages for the automated accessibility
checks."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ..permissions import readable_documents_q
from .models import DestructionList, DocumentRecord
from .permissions import is_approver, is_archivist


def accessibility_pages(user):
    pages = [(reverse("retention:rules"), _("Règles de gestion")), (reverse("retention:holds"), _("Gels"))]
    if is_archivist(user) or is_approver(user):
        pages.append((reverse("retention:index"), _("Archives")))
        dlist = DestructionList.objects.order_by("-pk").only("pk").first()
        if dlist is not None:
            pages.append((reverse("retention:list", args=[dlist.pk]), _("Liste d'élimination")))
    if is_archivist(user):
        pages.append((reverse("retention:transfers"), _("Versements")))
    record = (
        DocumentRecord.objects.filter(
            readable_documents_q(user, prefix="document__"), document__trashed_at=None
        )
        .only("document_id")
        .first()
    )
    if record is not None:
        pages.append(
            (reverse("retention:document", args=[record.document_id]), _("Conservation d'un document"))
        )
    return pages
