"""Who may book, manage and see what. One source of truth: views, templates, the API and feeds read these.

- Every agent sees every active room and when it is busy (to find a free one).
- An agent books a room open to everyone, or restricted to their department or one of its parent departments.
- A room's managers are its listed people plus the members of its manager department; superusers manage all.
- A booking's title and requester are seen by the requester and the room's managers; everyone else sees
  only "Occupé" (feeds included).
- Missing and forbidden answer alike: 404.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from .choices import BookingStatus
from .models import Booking, Room


@dataclass(frozen=True)
class Actor:
    """What the permission rules need to know about an agent, computed once per request (one query)."""

    user: object
    department_ids: tuple[int, ...]  # own department and its ancestors (4 levels)

    @property
    def is_superuser(self) -> bool:
        return bool(self.user.is_superuser)


def actor_for(user) -> Actor:
    from intranet.people.models import Department

    ids: tuple[int, ...] = ()
    if user.is_authenticated and user.department_id:
        row = (
            Department.objects.filter(pk=user.department_id)
            .values_list("id", "parent_id", "parent__parent_id", "parent__parent__parent_id")
            .first()
        )
        ids = tuple(i for i in (row or ()) if i)
    return Actor(user=user, department_ids=ids)


def bookable_rooms_q(actor: Actor) -> Q:
    """Rooms the agent may book, as a filter over Room (no join that duplicates rows)."""
    if actor.is_superuser:
        return Q(is_active=True)
    allowed = Room.allowed_departments.through.objects.filter(
        room_id=OuterRef("pk"), department_id__in=actor.department_ids
    )
    from .policies import policy_allows_q

    return Q(is_active=True) & (Q(bookable_by_all=True) | Q(Exists(allowed))) & policy_allows_q(actor)


def bookable_rooms_sql(actor: Actor, alias: str, policy_id: str) -> tuple[str, list]:
    """`bookable_rooms_q` as a SQL condition over the room table aliased `alias`, with its parameters, for
    reads written in SQL (the free-room finder). `policy_id` is the SQL expression of the room's effective
    policy id (the room's own, else its site's; NULL without either), which the caller has joined. The same
    rule: tests check both give the same rooms."""
    if actor.is_superuser:
        return f"{alias}.is_active", []
    from .policies import policy_denied_sql

    denied, params = policy_denied_sql(actor)
    policy_sql = f"({policy_id} IS NULL OR {policy_id} NOT IN ({denied}))"
    if not actor.department_ids:
        return f"{alias}.is_active AND {alias}.bookable_by_all AND {policy_sql}", params
    through = Room.allowed_departments.through._meta.db_table
    marks = ", ".join(["%s"] * len(actor.department_ids))
    sql = (
        f"{alias}.is_active AND ({alias}.bookable_by_all OR EXISTS (SELECT 1 FROM {through} ad "  # noqa: S608  (names from the models)
        f"WHERE ad.room_id = {alias}.id AND ad.department_id IN ({marks}))) AND {policy_sql}"
    )
    return sql, [*actor.department_ids, *params]


def managed_rooms_q(user) -> Q:
    """Rooms the user manages, as a filter over Room. For bookings: `room__in=Room.objects.filter(...)`."""
    if user.is_superuser:
        return Q()
    through = Room.managers.through.objects.filter(room_id=OuterRef("pk"), user_id=user.pk)
    q = Q(Exists(through))
    if user.department_id:
        q |= Q(manager_department_id=user.department_id)
    return q


def can_book(actor: Actor, room: Room) -> bool:
    return Room.objects.filter(bookable_rooms_q(actor), pk=room.pk).exists()


def is_manager(user, room: Room) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if room.manager_department_id and room.manager_department_id == user.department_id:
        return True
    return room.managers.filter(pk=user.pk).exists()


def room_managers(room: Room) -> list:
    """Active people who decide on this room's bookings (listed managers and the manager department)."""
    from django.contrib.auth import get_user_model

    q = Q(managed_rooms=room)
    if room.manager_department_id:
        q |= Q(department_id=room.manager_department_id)
    return list(get_user_model().objects.filter(q, is_active=True).distinct())


def abilities(user, booking: Booking, *, manager: bool | None = None) -> dict[str, bool]:
    manager = is_manager(user, booking.room) if manager is None else manager
    own = booking.requester_id == user.pk
    pending = booking.status == BookingStatus.PENDING
    live = booking.status in (BookingStatus.PENDING, BookingStatus.APPROVED)
    future = booking.start > timezone.now()
    return {
        "view": own or manager,
        "approve": manager and pending and future,
        "reject": manager and pending and future,
        "cancel": own and live and future,
        "manager_cancel": manager and not own and live and future,
        "edit": own and live and future,
        # a booking a policy edit left outside the rules: the manager keeps it as it is, or cancels it
        "keep": manager and live and future and bool(booking.policy_flag),
    }


def can_see_details(user, booking: Booking, managed_room_ids: set[int]) -> bool:
    return user.is_superuser or booking.requester_id == user.pk or booking.room_id in managed_room_ids


def managed_room_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Room.objects.filter(managed_rooms_q(user)).values_list("pk", flat=True))


def access_room(user, pk) -> Room:
    if not user.is_authenticated:
        raise Http404
    room = (
        Room.objects.active()
        .select_related("site", "site__commune", "site__policy", "own_policy", "photo")
        .filter(pk=pk)
        .first()
    )
    if room is None:
        raise Http404
    return room


def access_booking(user, pk) -> Booking:
    """A booking its requester or one of the room's managers may open; 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    booking = (
        Booking.objects.select_related("room", "room__site", "requester", "series", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise Http404
    if booking.requester_id != user.pk and not is_manager(user, booking.room):
        raise Http404
    return booking


def access_booking_as_manager(user, pk) -> Booking:
    """For approve / reject / manager cancel: the requester alone is not enough."""
    booking = access_booking(user, pk)
    if not is_manager(user, booking.room):
        raise Http404
    return booking
