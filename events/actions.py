"""Every write of the agenda: registering, cancelling a registration (which promotes the first waiting
agent), cancelling an event, and the feed key. Registration changes run while holding the event's row lock
(SELECT … FOR UPDATE), so concurrent registrations never exceed the capacity."""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from intranet import dashboard
from intranet.audit.actions import audit_record
from intranet.notifications.actions import notify

from .choices import RegistrationStatus
from .models import DASHBOARD_TOPIC, EventPage, FeedKey, Registration


class RegistrationRefused(Exception):
    """A registration or cancellation that cannot be done; `message` says why, in French, to the agent."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _locked(event: EventPage) -> EventPage:
    """The event's row, locked until the transaction ends (only its own table: the page tree stays free)."""
    return EventPage.objects.select_for_update(of=("self",)).get(pk=event.pk)


def registration_create(*, event: EventPage, user, now=None) -> Registration:
    """Register `user`: a place while some remain, the waiting list after. Refused (RegistrationRefused) for
    an event without registration, cancelled, started, outside the agent's audience, or a second time."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _locked(event)
        if not event.live or not event.is_for(user):
            raise RegistrationRefused(_("Cet événement n'existe pas ou ne vous est pas destiné."))
        if not event.registration_enabled:
            raise RegistrationRefused(_("Cet événement se passe d'inscription : venez simplement."))
        if event.is_cancelled:
            raise RegistrationRefused(_("Cet événement est annulé : l'inscription est fermée."))
        if event.start <= now:
            raise RegistrationRefused(_("Cet événement a déjà commencé : l'inscription est fermée."))
        existing = Registration.objects.filter(event=event, user=user).first()
        if existing is not None:
            if existing.status == RegistrationStatus.WAITING:
                raise RegistrationRefused(_("Vous êtes déjà en liste d'attente pour cet événement."))
            raise RegistrationRefused(_("Vous êtes déjà inscrit·e à cet événement."))
        taken = Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()
        full = event.capacity is not None and taken >= event.capacity
        registration = Registration.objects.create(
            event=event,
            user=user,
            status=RegistrationStatus.WAITING if full else RegistrationStatus.REGISTERED,
            created_at=now,
        )
        audit_record(
            action="events.registration.create",
            actor=user,
            object_type="events.eventpage",
            object_id=event.pk,
            extra={"status": registration.status},
        )
        dashboard.bump(DASHBOARD_TOPIC, users=[user])
    return registration


def registration_cancel(*, event: EventPage, user, now=None) -> Registration | None:
    """Cancel `user`'s registration; a freed place goes to the first waiting agent, who is notified. Returns
    the promoted registration, if any."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _locked(event)
        registration = Registration.objects.filter(event=event, user=user).first()
        if registration is None:
            raise RegistrationRefused(_("Vous n'êtes pas inscrit·e à cet événement."))
        if event.end <= now:
            raise RegistrationRefused(_("Cet événement est terminé : il n'y a plus rien à annuler."))
        registration.delete()
        audit_record(
            action="events.registration.cancel",
            actor=user,
            object_type="events.eventpage",
            object_id=event.pk,
            extra={"status": registration.status},
        )
        promoted = None
        if registration.status == RegistrationStatus.REGISTERED and not event.is_cancelled:
            promoted = _promote_first_waiting(event, now=now)
        dashboard.bump(DASHBOARD_TOPIC, users=[user, *([promoted.user_id] if promoted else [])])
    return promoted


def _promote_first_waiting(event: EventPage, *, now) -> Registration | None:
    """Call while holding the event's lock: the first waiting agent takes the free place, if there is one."""
    taken = Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()
    if event.capacity is not None and taken >= event.capacity:
        return None
    first = (
        Registration.objects.filter(event=event, status=RegistrationStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if first is None:
        return None
    first.status = RegistrationStatus.REGISTERED
    first.promoted_at = now
    first.save(update_fields=["status", "promoted_at"])
    notify(
        recipients=[first.user_id],
        verb="events.promoted",
        text=_("Une place s'est libérée : vous êtes inscrit·e à « %(title)s ».") % {"title": event.title},
        url=event.url or "",
        email=True,
    )
    return first


def event_cancel(*, event: EventPage, by, reason: str = "", now=None) -> EventPage:
    """The organiser cancels the event: it stays in the agenda marked « annulé », registration closes and
    every registered or waiting agent is notified. A new revision is published, so the admin shows it."""
    now = now or timezone.now()
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        locked = _locked(event)
        if locked.is_cancelled:
            raise RegistrationRefused(_("Cet événement est déjà annulé."))
        if locked.end <= now:
            raise RegistrationRefused(_("Cet événement est terminé : il ne peut plus être annulé."))
        locked.cancelled_at = now
        locked.cancel_reason = reason
        revision = locked.save_revision(user=by, log_action=True)
        revision.publish()  # the organiser may lack Wagtail's publish permission: the action decides
        recipients = list(Registration.objects.filter(event=locked).values_list("user_id", flat=True))
        start = timezone.localtime(locked.start)
        text = _("« %(title)s » du %(date)s à %(time)s est annulé.") % {
            "title": locked.title,
            "date": date_format(start, "l j F Y"),
            "time": date_format(start, "H:i"),
        }
        if reason:
            text += " " + _("Motif : %(reason)s") % {"reason": reason}
        notify(recipients=recipients, verb="events.cancelled", text=text, url=locked.url or "", email=True)
        audit_record(
            action="events.event.cancel", actor=by, object_type="events.eventpage", object_id=locked.pk
        )
        dashboard.bump(DASHBOARD_TOPIC, users=recipients)
    return locked


def feed_key_renew(*, user) -> FeedKey:
    """A new key for the agent's feed addresses: every address given before stops working."""
    with transaction.atomic():
        FeedKey.objects.filter(user=user).delete()
        key = FeedKey.objects.create(user=user)
        audit_record(action="events.feed_key.renew", actor=user, object_type="events.feedkey")
    return key
