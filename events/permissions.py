"""Who sees an event, who registers, who organises."""

from intranet.news.permissions import is_communication_manager


def is_organiser(user, event) -> bool:
    """The organiser (by default the author), superusers and communication managers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.pk in {event.organiser_id, event.owner_id} - {None}:
        return True
    return is_communication_manager(user)


def can_see(user, event) -> bool:
    """Its audience and its organisers; for anyone else the event does not exist (404)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return event.is_for(user) or is_organiser(user, event)


def abilities(user, event, *, now) -> dict[str, bool]:
    open_ = event.registration_enabled and not event.is_cancelled and event.start > now
    return {
        "register": bool(open_ and event.is_for(user)),
        "organise": is_organiser(user, event),
        "cancel": bool(is_organiser(user, event) and not event.is_cancelled and event.end > now),
    }
