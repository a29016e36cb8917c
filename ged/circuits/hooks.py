"""What the circuits add to the rest of the intranet: pages for the automated accessibility checks."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ..permissions import readable_documents_q
from .models import Circuit


def accessibility_pages(user):
    """The parapheur's lists, and a circuit the agent may open with its submission page."""
    pages = [
        (reverse("circuits:todo"), _("À viser / à signer")),
        (reverse("circuits:mine"), _("Mes dossiers en circuit")),
        (reverse("circuits:late"), _("Dossiers en retard")),
        (reverse("circuits:delegations"), _("Délégations")),
    ]
    circuit = (
        Circuit.objects.filter(readable_documents_q(user, prefix="document__"))
        .order_by("-submitted_at", "-pk")
        .only("pk", "document_id")
        .first()
    )
    if circuit is not None:
        pages.append((reverse("circuits:circuit", args=[circuit.pk]), _("Circuit")))
        pages.append((reverse("circuits:submit", args=[circuit.document_id]), _("Soumettre à un circuit")))
    return pages
