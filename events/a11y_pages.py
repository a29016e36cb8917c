"""Pages of the agenda for the automated accessibility checks (`intranet.accessibility`)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .queries import events_for


def accessibility_pages(user):
    pages = [
        (reverse("events:month"), _("Agenda (mois)")),
        (reverse("events:list"), _("Agenda (liste)")),
        (reverse("events:subscribe"), _("Agenda (abonnement)")),
    ]
    event = events_for(user).upcoming(timezone.now()).order_by("start", "pk").first()
    if event is not None and event.url:
        pages.append((event.url, _("Événement de l'agenda")))
    return pages
