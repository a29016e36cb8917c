"""The agenda's link to a room booking (`intranet.registry.RoomBookingLink`): an event may take place in a
booking its organiser made, and the agenda shows the room and site. The agenda never imports this app."""

from django.urls import reverse
from django.utils.translation import gettext as _

from intranet.registry import BookedPlace

from .choices import BLOCKING_STATUSES
from .models import Booking


def validate(booking_id, user) -> str | None:
    """Only a live booking the editor requested (or any live booking for a superuser) can be linked."""
    booking = Booking.objects.filter(pk=booking_id).only("pk", "requester_id", "status").first()
    if booking is None or not (user.is_superuser or booking.requester_id == getattr(user, "pk", None)):
        return _(
            "Cette réservation de salle n'existe pas ou n'est pas la vôtre : "
            "indiquez le numéro d'une de vos réservations."
        )
    if booking.status not in BLOCKING_STATUSES:
        return _("Cette réservation de salle est annulée ou refusée : choisissez une réservation en cours.")
    return None


def describe(booking_ids) -> dict[int, BookedPlace]:
    ids = [int(i) for i in booking_ids if i]
    if not ids:
        return {}
    rows = (
        Booking.objects.filter(pk__in=ids)
        .select_related("room__site")
        .only("pk", "start", "end", "status", "room__name", "room__site__name")
    )
    places = {}
    for b in rows:
        label = b.room.name + (f", {b.room.site.name}" if b.room.site_id else "")
        places[b.pk] = BookedPlace(
            label=label,
            url=reverse("rooms:booking", args=[b.pk]),
            start=b.start,
            end=b.end,
            live=b.status in BLOCKING_STATUSES,
        )
    return places
