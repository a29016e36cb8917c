"""Pages of the chat app for the automated accessibility checks (`intranet.accessibility`)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Membership


def accessibility_pages(user):
    membership = Membership.objects.filter(user=user).order_by("salon_id").first()
    if membership is None:
        return []
    return [
        (reverse("chat:salon", args=[membership.salon_id]), _("Salon de discussion")),
        (reverse("chat:members", args=[membership.salon_id]), _("Membres d'un salon")),
    ]
