"""Who may do what in a salon: one source of truth, read by views, templates, the API and the consumer."""

from django.http import Http404

from intranet.params import is_valid_id, parse_id

from .choices import SalonKind
from .models import Membership, Message, Salon


def membership_for(user, salon_id: int) -> Membership | None:
    if not (user.is_authenticated and user.is_active):
        return None
    return Membership.objects.select_related("salon").filter(user=user, salon_id=salon_id).first()


def abilities(user, salon: Salon, membership: Membership | None) -> dict[str, bool]:
    member = membership is not None and user.is_active
    moderator = member and membership.is_moderator
    live = not salon.archived
    managed = salon.kind not in (SalonKind.DEPARTMENT, SalonKind.DIRECT)
    return {
        "read": member,
        "post": member and live,
        "moderate": moderator and managed and live,
        "archive": moderator and salon.kind != SalonKind.DIRECT,
        "settings": moderator and salon.kind != SalonKind.DIRECT,
        "leave": member and managed,
        "join": not member and user.is_active and live and salon.kind == SalonKind.OPEN,
    }


def access_salon(user, pk) -> tuple[Salon, Membership]:
    """The salon and the agent's membership, or 404 for missing and forbidden alike."""
    if not is_valid_id(pk):
        raise Http404
    membership = membership_for(user, parse_id(pk))
    if membership is None:
        raise Http404
    return membership.salon, membership


def access_joinable_salon(user, pk) -> Salon:
    """An open salon the agent may join (they are not a member yet), or 404."""
    salon = Salon.objects.filter(pk=pk, kind=SalonKind.OPEN, archived=False).first()
    if salon is None or not (user.is_authenticated and user.is_active):
        raise Http404
    return salon


def message_abilities(user, message: Message, membership: Membership) -> dict[str, bool]:
    own = message.author_id == user.pk and message.deleted_at is None
    live = not membership.salon.archived
    return {
        "edit": own and live,
        "delete": live and message.deleted_at is None and (own or membership.is_moderator),
    }


def access_message(user, salon: Salon, membership: Membership, message_uuid) -> Message:
    message = (
        Message.objects.select_related("author", "salon").filter(salon=salon, uuid=message_uuid).first()
        if membership is not None
        else None
    )
    if message is None:
        raise Http404
    return message
