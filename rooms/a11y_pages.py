"""Pages of the rooms app for the automated accessibility checks (`intranet.accessibility`)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Room


def accessibility_pages(user):
    room = Room.objects.filter(is_active=True).select_related("site").order_by("pk").first()
    if room is None:
        return []
    return [
        (reverse("rooms:room", args=[room.pk]), _("Salle (planning de la semaine)")),
        (reverse("rooms:site", args=[room.site.slug]), _("Site (planning du jour)")),
        (reverse("rooms:book", args=[room.pk]), _("Réserver une salle")),
    ]
