"""Pool vehicles and loan equipment: one booking model, the same rules, the kind's own checks."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from rooms.actions import booking_request, vehicle_return
from rooms.choices import BookingStatus, ResourceKind
from rooms.models import Booking, BookingPolicy, Room, VehicleReturn
from rooms.permissions import actor_for
from rooms.queries import FinderQuery, free_rooms

from .conftest import slot, working_day


@pytest.fixture
def fleet(world):
    car = Room.objects.create(
        kind=ResourceKind.VEHICLE,
        name="Zoé",
        slug="zoe",
        site=world.siege,
        capacity=4,
        plate="GA-123-BC",
        energy="electric",
        range_km=300,
        key_pickup="Accueil du siège",
    )
    car.managers.set([world.manager])
    cameras = Room.objects.create(
        kind=ResourceKind.EQUIPMENT,
        name="Appareil photo",
        slug="appareil-photo",
        site=world.siege,
        capacity=1,
        quantity_held=3,
    )
    return car, cameras


def loan(cameras, user, start, end, quantity=1):
    return booking_request(
        room=cameras, requester=user, title="Reportage", start=start, end=end, quantity=quantity
    )


def test_a_vehicle_needs_the_driving_licence_confirmed(client, world, fleet):
    car, _cameras = fleet
    s, e = slot(working_day(), "09:00", "12:00")
    with pytest.raises(ValidationError) as exc:
        booking_request(room=car, requester=world.agent, title="Visite", start=s, end=e)
    assert "permis de conduire" in exc.value.messages[0]
    client.force_login(world.agent)
    data = {
        "title": "Visite",
        "date": working_day().isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "attendees": 2,
    }
    response = client.post(reverse("rooms:book", args=[car.pk]), data)
    assert response.status_code == 400 and "permis de conduire" in response.content.decode()
    assert not Booking.objects.exists()
    response = client.post(reverse("rooms:book", args=[car.pk]), {**data, "licence_confirmed": "on"})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.licence_confirmed_at is not None and booking.quantity == 1
    # two vehicles bookings overlapping: the same exclusion rule as rooms
    with pytest.raises(Exception, match="déjà réservée"):
        booking_request(room=car, requester=world.other, title="x", start=s, end=e, licence_confirmed=True)


def test_equipment_is_lent_by_quantity_never_more_than_held(world, fleet):
    _car, cameras = fleet
    s, e = slot(working_day(), "09:00", "12:00")
    with pytest.raises(ValidationError) as exc:
        loan(cameras, world.agent, s, e, quantity=4)
    assert "3 exemplaires détenus, vous en demandez 4" in exc.value.messages[0]
    assert loan(cameras, world.agent, s, e, quantity=2).by_quantity
    with pytest.raises(ValidationError) as exc:
        loan(cameras, world.other, *slot(working_day(), "11:00", "14:00"), quantity=2)
    assert "Il ne reste que 1 « Appareil photo » disponible" in exc.value.messages[0]
    assert loan(cameras, world.other, *slot(working_day(), "11:00", "14:00"), quantity=1).pk
    # after 12:00 two are back
    assert loan(cameras, world.outsider, *slot(working_day(), "12:00", "13:00"), quantity=2).pk
    assert Booking.objects.filter(room=cameras).count() == 3
    # a room or a vehicle is booked one at a time
    with pytest.raises(ValidationError) as exc:
        booking_request(room=world.small, requester=world.agent, title="x", start=s, end=e, quantity=2)
    assert "à l'unité" in exc.value.messages[0]


def test_the_finder_searches_by_kind_and_quantity(world, fleet):
    car, cameras = fleet
    s, e = slot(working_day(), "09:00", "12:00")
    actor = actor_for(world.agent)
    rooms = free_rooms(actor, FinderQuery(start=s, end=e))
    assert car not in rooms and cameras not in rooms and world.small in rooms
    assert free_rooms(actor, FinderQuery(start=s, end=e, kind=ResourceKind.VEHICLE)) == [car]
    loan(cameras, world.other, s, e, quantity=2)
    assert free_rooms(actor, FinderQuery(start=s, end=e, kind=ResourceKind.EQUIPMENT, quantity=1)) == [
        cameras
    ]
    assert free_rooms(actor, FinderQuery(start=s, end=e, kind=ResourceKind.EQUIPMENT, quantity=2)) == []


def test_the_api_has_a_kind_filter_and_field(client, world, fleet):
    car, cameras = fleet
    client.force_login(world.agent)
    data = client.get("/api/v1/rooms?kind=vehicle").json()
    assert [(r["name"], r["kind"]) for r in data] == [("Zoé", "vehicle")]
    assert client.get("/api/v1/rooms?kind=bateau").status_code == 400
    s, e = slot(working_day(), "09:00", "12:00")
    free = client.get(
        "/api/v1/rooms/availability",
        {"start": s.isoformat(), "end": e.isoformat(), "kind": "equipment", "quantity": 3},
    ).json()
    assert [r["name"] for r in free] == ["Appareil photo"]
    body = {"room": cameras.pk, "title": "Prêt", "start": s.isoformat(), "end": e.isoformat(), "quantity": 5}
    r = client.post("/api/v1/bookings", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and "3 exemplaires détenus" in r.json()["detail"]
    body["quantity"] = 3
    r = client.post("/api/v1/bookings", json.dumps(body), content_type="application/json")
    assert r.status_code == 201 and r.json()["kind"] == "equipment" and r.json()["quantity"] == 3
    body = {"room": car.pk, "title": "Visite", "start": s.isoformat(), "end": e.isoformat()}
    r = client.post("/api/v1/bookings", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and "permis" in r.json()["detail"]
    r = client.post(
        "/api/v1/bookings", json.dumps({**body, "licence_confirmed": True}), content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["kind"] == "vehicle"


def test_the_vehicle_return_form(client, world, fleet):
    from intranet.notifications.models import Notification

    car, _cameras = fleet
    now = timezone.now()
    taken = Booking.objects.create(
        room=car,
        requester=world.agent,
        title="Tournée",
        start=now - timedelta(hours=2),
        end=now + timedelta(hours=1),
        status=BookingStatus.APPROVED,
        licence_confirmed_at=now - timedelta(days=1),
    )
    later = booking_request(
        room=car,
        requester=world.agent,
        title="Plus tard",
        start=slot(working_day(), "09:00", "10:00")[0],
        end=slot(working_day(), "09:00", "10:00")[1],
        licence_confirmed=True,
    )
    with pytest.raises(ValidationError) as exc:
        vehicle_return(booking=later, actor=world.agent, mileage=100, energy_level=50)
    assert "une fois le véhicule pris" in exc.value.messages[0]
    client.force_login(world.agent)
    url = reverse("rooms:vehicle_return", args=[taken.pk])
    assert client.get(url).status_code == 200
    assert "Noter le retour" in client.get(reverse("rooms:booking", args=[taken.pk])).content.decode()
    r = client.post(url, {"mileage": "12500", "energy_level": "140"})
    assert r.status_code == 400 and not VehicleReturn.objects.exists()
    r = client.post(url, {"mileage": "12500", "energy_level": "40", "incident": "Rétroviseur gauche fêlé"})
    assert r.status_code == 302
    row = VehicleReturn.objects.get()
    assert (row.mileage, row.energy_level, row.returned_by) == (12500, 40, world.agent)
    assert Notification.objects.filter(recipient=world.manager, verb="rooms.vehicle_incident").exists()
    r = client.post(url, {"mileage": "12600", "energy_level": "40"})
    assert r.status_code == 400 and "déjà noté" in r.content.decode()
    # another agent cannot open it; a room booking has no return form
    client.force_login(world.other)
    assert client.get(url).status_code == 404
    room_booking = booking_request(
        room=world.small,
        requester=world.other,
        title="x",
        start=slot(working_day(), "09:00", "10:00")[0],
        end=slot(working_day(), "09:00", "10:00")[1],
    )
    assert client.get(reverse("rooms:vehicle_return", args=[room_booking.pk])).status_code == 404


def test_pages_by_kind_and_closed_cells(client, world, fleet):
    client.force_login(world.agent)
    page = client.get(reverse("rooms:vehicles")).content.decode()
    assert "Zoé" in page and "GA-123-BC" in page and "Petite salle" not in page
    page = client.get(reverse("rooms:equipment")).content.decode()
    assert "Appareil photo" in page and "Zoé" not in page
    assert "Zoé" not in client.get(reverse("rooms:index")).content.decode()
    BookingPolicy.objects.create(name="Siège", site=world.siege, max_active_bookings=4, buffer_minutes=15)
    page = client.get(reverse("rooms:room", args=[world.small.pk])).content.decode()
    assert "Fermé" in page and "Libre" in page  # 7 h and the weekend are closed, 10 h on a weekday is free
    assert "Au plus 4 réservations en cours par agent." in page and "15 minutes libres" in page
    assert "Réservation confirmée aussitôt" in page
    page = client.get(reverse("rooms:room", args=[world.approval.pk])).content.decode()
    assert "Hélène Lefebvre" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads with their own connections: PostgreSQL"
)
def test_fifty_concurrent_loans_of_the_last_three_cameras_give_exactly_three(world, fleet):
    from .test_concurrency_booking import run_in_threads

    _car, cameras = fleet
    s, e = slot(working_day(), "09:00", "12:00")
    users = [world.agent, world.other, world.manager, world.outsider]
    results = run_in_threads(50, lambda i: loan(cameras, users[i % 4], s, e))
    wins = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(wins) == 3, results
    assert len(refused) == 47, [r for r in results if not isinstance(r, (Booking, ValidationError))]
    assert all("Il ne reste que 0" in r.messages[0] for r in refused)
    assert Booking.objects.filter(room=cameras, status__in=["pending", "approved"]).count() == 3


def test_demo_seeds_vehicles_at_two_sites_loan_equipment_and_policies_idempotently(make_user):
    import io

    from rooms.demo import seed_rooms

    agents = {"marie.dupont": make_user("marie.dupont")}
    seed_rooms(stdout=io.StringIO(), agents=agents)
    seed_rooms(stdout=io.StringIO(), agents=agents)
    vehicles = Room.objects.filter(kind=ResourceKind.VEHICLE)
    assert vehicles.count() == 5 and vehicles.values("site").distinct().count() == 2
    assert Room.objects.filter(kind=ResourceKind.EQUIPMENT, quantity_held__gt=1).count() == 5
    assert BookingPolicy.objects.filter(room__kind=ResourceKind.VEHICLE, max_active_bookings=3).count() == 5
    assert BookingPolicy.objects.filter(site__isnull=False).count() == 4
