"""/api/v1/rooms and /api/v1/bookings: the same actions as the pages, the same permission rules."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from intranet.api_schema import StrictIn, WallClock
from intranet.params import check_date, parse_id, parse_int, parse_optional_id

from . import actions
from .choices import ResourceKind
from .permissions import access_booking, access_booking_as_manager, access_room, actor_for
from .queries import FinderQuery, free_rooms, my_bookings, room_list
from .recurrence import PARIS, expand, local_datetime, parse_rrule

router = Router(tags=["salles"])


class SiteOut(Schema):
    id: int
    name: str
    address: str


class RoomOut(Schema):
    id: int
    kind: str
    name: str
    site: SiteOut
    floor: str
    capacity: int
    equipment: list[str]
    requires_approval: bool
    opens_at: WallClock
    closes_at: WallClock
    quantity_held: int

    @staticmethod
    def resolve_opens_at(obj):
        return obj.opens_at if hasattr(obj, "opens_at") else obj.policy.opens_at

    @staticmethod
    def resolve_closes_at(obj):
        return obj.closes_at if hasattr(obj, "closes_at") else obj.policy.closes_at

    @staticmethod
    def resolve_equipment(obj):
        listed = getattr(obj, "equipment_list", None)
        if listed is not None:
            return [slug for slug, _name in listed]
        return [e.slug for e in obj.equipment.all()]


class BookingOut(Schema):
    id: int
    room_id: int
    kind: str
    quantity: int
    title: str
    start: datetime
    end: datetime
    attendees: int
    status: str
    series_id: int | None
    decision_reason: str

    @staticmethod
    def resolve_kind(obj):
        return obj.room.kind


class BookingIn(StrictIn):
    room: int
    title: str
    start: datetime
    end: datetime
    attendees: int = 1
    rrule: str = ""
    quantity: int = 1
    licence_confirmed: bool = False


class SeriesOut(Schema):
    series_id: int
    created: list[BookingOut]
    skipped: list[date]


class ReasonIn(StrictIn):
    reason: str = ""


def _capacity(value) -> int:
    return parse_int(
        value,
        minimum=0,
        maximum=100_000,
        param="capacity",
        message=_("Capacité invalide : indiquez un nombre de places entre 0 et 100 000."),
    )


def _kind(value: str, default: str) -> str:
    if not value:
        return default
    if value not in ResourceKind.values:
        raise HttpError(
            400,
            _(
                "Le type de ressource est inconnu : indiquez room (salle), vehicle (véhicule) "
                "ou equipment (matériel)."
            ),
        )
    return value


def _aware(value: datetime) -> datetime:
    check_date(value, param="start/end")  # year 1 or 9999 would overflow the window arithmetic
    if timezone.is_naive(value):
        # Naive times are read as Paris wall-clock times, like the forms.
        return local_datetime(value.date(), value.time())
    return value


@router.get("/rooms", response=list[RoomOut], summary="Les salles (filtrables)")
def rooms_index(
    request,
    site: int | None = None,
    q: str = "",
    capacity: int | None = None,
    equipment: str = "",
    kind: str = "",
):
    slugs = [s for s in equipment.split(",") if s][:10]
    site = parse_optional_id(site, param="site")
    if capacity is not None:
        capacity = _capacity(capacity)
    return list(room_list(site=site, q=q[:100], capacity=capacity, equipment=slugs, kind=_kind(kind, "")))


@router.get("/rooms/availability", response=list[RoomOut], summary="Salles libres sur un créneau")
def rooms_availability(
    request,
    start: datetime,
    end: datetime,
    capacity: int = 1,
    equipment: str = "",
    site: int | None = None,
    kind: str = "",
    quantity: int = 1,
):
    start, end = _aware(start), _aware(end)
    if end <= start:
        raise HttpError(400, _("L'heure de fin doit être postérieure à l'heure de début."))
    if end - start > timedelta(days=1):
        raise HttpError(400, _("Cherchez sur une journée au plus."))
    query = FinderQuery(
        start=start,
        end=end,
        capacity=max(1, _capacity(capacity)),
        equipment=[s for s in equipment.split(",") if s][:10],
        site=parse_optional_id(site, param="site"),
        kind=_kind(kind, ResourceKind.ROOM),
        quantity=parse_int(
            quantity,
            minimum=1,
            maximum=500,
            param="quantity",
            message=_("Quantité invalide : indiquez un nombre entre 1 et 500."),
        ),
    )
    return free_rooms(actor_for(request.auth), query)


@router.get("/rooms/{room_id}", response=RoomOut, summary="Une salle")
def rooms_detail(request, room_id: int):
    room = access_room(request.auth, parse_id(room_id, param="room_id"))
    return room


@router.get("/bookings", response=list[BookingOut], summary="Mes réservations à venir")
def bookings_index(request):
    return my_bookings(request.auth)


@router.post(
    "/bookings",
    response={201: BookingOut | SeriesOut, 400: dict, 404: dict, 409: dict},
    summary="Réserver (une fois, ou en série avec rrule)",
    description=(
        "Un conflit répond 409 avec le créneau en conflit, des salles libres et les prochains créneaux "
        "libres. Avec `rrule` (FREQ=DAILY, WEEKLY ou MONTHLY ; INTERVAL ; BYDAY ; COUNT ou UNTIL ; un an "
        "et 200 occurrences au plus), les occurrences libres sont réservées et les autres listées dans "
        "`skipped`. Les heures sans décalage sont lues à l'heure de Paris."
    ),
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "LireLaReservation": {
                        "operationId": "rooms_api_bookings_detail",
                        "parameters": {"booking_id": "$response.body#/id"},
                    },
                    "AnnulerLaReservation": {
                        "operationId": "rooms_api_bookings_cancel",
                        "parameters": {"booking_id": "$response.body#/id"},
                    },
                }
            }
        }
    },
)
def bookings_create(request, payload: BookingIn):
    """A conflict answers 409 with the conflicting slot and free alternatives. With `rrule` (FREQ=DAILY,
    WEEKLY or MONTHLY; INTERVAL; BYDAY; COUNT or UNTIL; one year and 200 occurrences at most), the free
    occurrences are booked and the others listed in `skipped`."""
    user = request.auth
    room = access_room(user, parse_id(payload.room, param="room"))
    try:
        start, end = _aware(payload.start), _aware(payload.end)
        if payload.rrule:
            local_start = start.astimezone(PARIS)
            rule = parse_rrule(payload.rrule, local_start.date())
            series, created = actions.series_create(
                room=room,
                requester=user,
                title=payload.title,
                rule=rule,
                start_time=local_start.time(),
                end_time=end.astimezone(local_start.tzinfo).time(),
                attendees=payload.attendees,
                licence_confirmed=payload.licence_confirmed,
                request=request,
            )
            done = {b.start.astimezone(PARIS).date() for b in created}
            skipped = [d for d in expand(rule) if d not in done]
            return Status(201, {"series_id": series.pk, "created": created, "skipped": skipped})
        booking = actions.booking_request(
            room=room,
            requester=user,
            title=payload.title,
            start=start,
            end=end,
            attendees=payload.attendees,
            quantity=payload.quantity,
            licence_confirmed=payload.licence_confirmed,
            request=request,
        )
    except actions.BookingConflict as exc:
        return Status(409, exc.as_dict())
    except actions.SeriesConflict as exc:
        return Status(409, {"detail": str(exc)})
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    return Status(201, booking)


@router.get(
    "/bookings/{booking_id}", response=BookingOut, summary="Une réservation (demandeur ou gestionnaire)"
)
def bookings_detail(request, booking_id: int):
    return access_booking(request.auth, parse_id(booking_id, param="booking_id"))


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, 400: dict}, summary="Annuler")
def bookings_cancel(request, booking_id: int, payload: ReasonIn):
    booking = access_booking(request.auth, parse_id(booking_id, param="booking_id"))
    try:
        return Status(
            200,
            actions.booking_cancel(
                booking=booking, actor=request.auth, reason=payload.reason, request=request
            ),
        )
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})


@router.post("/bookings/{booking_id}/approve", response={200: BookingOut, 400: dict}, summary="Valider")
def bookings_approve(request, booking_id: int):
    booking = access_booking_as_manager(request.auth, parse_id(booking_id, param="booking_id"))
    try:
        return Status(200, actions.booking_approve(booking=booking, approver=request.auth, request=request))
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})


@router.post("/bookings/{booking_id}/reject", response={200: BookingOut, 400: dict}, summary="Refuser")
def bookings_reject(request, booking_id: int, payload: ReasonIn):
    booking = access_booking_as_manager(request.auth, parse_id(booking_id, param="booking_id"))
    try:
        return Status(
            200,
            actions.booking_reject(
                booking=booking, approver=request.auth, reason=payload.reason, request=request
            ),
        )
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
