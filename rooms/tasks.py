"""Background jobs: load by id, call the code that does the work."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _
from django_tasks import task

from .choices import BookingStatus


@task()
def send_booking_invitation(booking_id: int) -> int:
    """E-mail the requester a confirmation carrying the booking as an .ics invitation."""
    from .actions import slot_label
    from .ical import invitation
    from .models import Booking

    booking = Booking.objects.select_related("room", "room__site", "requester").filter(pk=booking_id).first()
    if booking is None or booking.status != BookingStatus.APPROVED or not booking.requester.email:
        return 0
    subject = _("Réservation confirmée : %(room)s, %(slot)s") % {
        "room": booking.room.name,
        "slot": slot_label(booking.start, booking.end),
    }
    body = _(
        "Votre réservation « %(title)s » de la salle %(room)s (%(site)s) est confirmée, %(slot)s.\n\n"
        "Ouvrez la pièce jointe pour l'ajouter à votre agenda.\n\n%(url)s\n\n-- \n"
        "Message envoyé par l'intranet des agents."
    ) % {
        "title": booking.title,
        "room": booking.room.name,
        "site": booking.room.site.name,
        "slot": slot_label(booking.start, booking.end),
        "url": f"{settings.SITE_URL}/salles/reservations/{booking.pk}/",
    }
    message = EmailMessage(subject[:150], body, settings.DEFAULT_FROM_EMAIL, [booking.requester.email])
    message.attach("reservation.ics", invitation(booking), "text/calendar; charset=utf-8; method=PUBLISH")
    return message.send()
