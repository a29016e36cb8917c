"""Pool vehicles: the return form (mileage, fuel or charge, incident)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet.notifications.actions import notify

from ..choices import BookingStatus, ResourceKind
from ..models import Booking, VehicleReturn
from ..permissions import is_manager, room_managers
from .common import _booking_url, _lock, _record, slot_label


def vehicle_return(
    *, booking: Booking, actor, mileage: int, energy_level: int, incident: str = "", request=None
) -> VehicleReturn:
    """The driver (or a manager) notes the vehicle's return, once. An incident reaches the managers."""
    if booking.room.kind != ResourceKind.VEHICLE:
        raise Http404
    if booking.requester_id != actor.pk and not is_manager(actor, booking.room):
        raise Http404
    incident = (incident or "").strip()[:2000]
    if not 0 <= energy_level <= 100:
        raise ValidationError(_("Indiquez le niveau de carburant ou de charge en pourcentage (0 à 100)."))
    try:
        with transaction.atomic():
            booking = _lock(booking)
            if booking.status != BookingStatus.APPROVED:
                raise ValidationError(
                    _("Seule une réservation confirmée se rend (celle-ci est %(status)s)."),
                    params={"status": booking.get_status_display()},
                    code="not_approved",
                )
            if booking.start > timezone.now():
                raise ValidationError(
                    _("Le retour se note une fois le véhicule pris, à partir du début de la réservation."),
                    code="too_early",
                )
            last = (
                VehicleReturn.objects.filter(booking__room_id=booking.room_id)
                .order_by("-returned_at")
                .values_list("mileage", flat=True)
                .first()
            )
            if last is not None and mileage < last:
                raise ValidationError(
                    _("Le kilométrage indiqué (%(km)s km) est inférieur au dernier relevé (%(last)s km)."),
                    params={"km": mileage, "last": last},
                    code="mileage",
                )
            row = VehicleReturn.objects.create(
                booking=booking,
                mileage=mileage,
                energy_level=energy_level,
                incident=incident,
                returned_by=actor,
            )
            _record(booking, actor, "vehicle_return", request, mileage=mileage, incident=bool(incident))
            if incident:
                notify(
                    recipients=[m for m in room_managers(booking.room) if m.pk != actor.pk],
                    verb="rooms.vehicle_incident",
                    text=_("Incident signalé au retour de « %(room)s » (%(slot)s) : %(incident)s")
                    % {
                        "room": booking.room.name,
                        "slot": slot_label(booking.start, booking.end),
                        "incident": incident[:200],
                    },
                    url=_booking_url(booking),
                    email=True,
                )
    except IntegrityError:
        raise ValidationError(_("Le retour de ce véhicule est déjà noté."), code="already") from None
    return row
