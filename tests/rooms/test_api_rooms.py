"""/api/v1/rooms and /api/v1/bookings."""

import json

import pytest

from rooms.actions import booking_request
from rooms.choices import BookingStatus
from rooms.models import Booking

from .conftest import slot, working_day


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def api(client, world):
    client.force_login(world.agent)
    return client


def test_rooms_list_and_filter(api, world):
    data = api.get("/api/v1/rooms?capacity=10&equipment=videoprojecteur").json()
    assert [r["name"] for r in data] == ["Salle du conseil", "Salle moyenne", "Grande salle"][::1] or data
    assert {r["name"] for r in data} == {"Salle du conseil", "Salle moyenne", "Grande salle"}
    assert api.get("/api/v1/rooms/999999").status_code == 404


def test_availability(api, world):
    s, e = slot(working_day(), "10:00", "11:00")
    booking_request(room=world.small, requester=world.other, title="x", start=s, end=e)
    r = api.get("/api/v1/rooms/availability", {"start": s.isoformat(), "end": e.isoformat(), "capacity": 2})
    names = [x["name"] for x in r.json()]
    assert r.status_code == 200 and "Petite salle" not in names and names[0] == "Salle moyenne"
    assert (
        api.get("/api/v1/rooms/availability", {"start": e.isoformat(), "end": s.isoformat()}).status_code
        == 400
    )


def test_create_then_conflict_409_with_alternatives(api, world):
    s, e = slot(working_day(), "10:00", "11:00")
    body = {
        "room": world.small.pk,
        "title": "API",
        "start": s.isoformat(),
        "end": e.isoformat(),
        "attendees": 2,
    }
    r = post(api, "/api/v1/bookings", body)
    assert r.status_code == 201 and r.json()["status"] == "approved"
    r = post(api, "/api/v1/bookings", body)
    assert r.status_code == 409
    answer = r.json()
    assert "déjà réservée" in answer["detail"] and answer["conflicts"] and answer["free_rooms"]
    bad = dict(body, end=s.isoformat())
    r = post(api, "/api/v1/bookings", bad)
    assert r.status_code == 400 and "postérieure" in r.json()["detail"]


def test_create_series_with_rrule_and_hostile_rrule(api, world):
    s, e = slot(working_day(), "10:00", "11:00")
    body = {
        "room": world.small.pk,
        "title": "Série",
        "start": s.isoformat(),
        "end": e.isoformat(),
        "rrule": "FREQ=WEEKLY;COUNT=3",
    }
    r = post(api, "/api/v1/bookings", body)
    assert r.status_code == 201 and len(r.json()["created"]) == 3
    r = post(api, "/api/v1/bookings", dict(body, rrule="FREQ=SECONDLY;COUNT=1000000000"))
    assert r.status_code == 400 and "refusée" in r.json()["detail"]


def test_approve_reject_cancel_permissions(client, world):
    s, e = slot(working_day(), "10:00", "11:00")
    b = booking_request(room=world.approval, requester=world.agent, title="x", start=s, end=e)
    client.force_login(world.other)
    assert post(client, f"/api/v1/bookings/{b.pk}/approve", {}).status_code == 404
    assert post(client, f"/api/v1/bookings/{b.pk}/cancel", {}).status_code == 404
    assert client.get(f"/api/v1/bookings/{b.pk}").status_code == 404
    assert post(client, "/api/v1/bookings/999999/approve", {}).status_code == 404
    client.force_login(world.agent)
    assert post(client, f"/api/v1/bookings/{b.pk}/approve", {}).status_code == 404  # own request
    client.force_login(world.manager)
    assert post(client, f"/api/v1/bookings/{b.pk}/reject", {"reason": ""}).status_code == 400
    r = post(client, f"/api/v1/bookings/{b.pk}/approve", {})
    assert r.status_code == 200 and r.json()["status"] == BookingStatus.APPROVED
    client.force_login(world.agent)
    r = post(client, f"/api/v1/bookings/{b.pk}/cancel", {})
    assert r.status_code == 200 and Booking.objects.get(pk=b.pk).status == BookingStatus.CANCELLED


def test_api_requires_authentication(client):
    assert client.get("/api/v1/rooms").status_code == 401


def test_availability_answers_each_room_as_the_room_endpoint_does(api, world):
    """The finder answers rows, not model instances: each room reads the same as `/rooms/{id}` (site,
    equipment in name order, opening hours, approval)."""
    world.medium.floor = "1er étage"
    world.medium.save()
    s, e = slot(working_day(), "10:00", "11:00")
    found = api.get("/api/v1/rooms/availability", {"start": s.isoformat(), "end": e.isoformat()}).json()
    assert len(found) == 4 and any(r["equipment"] == ["videoprojecteur", "visioconference"] for r in found)
    for room in found:
        assert room == api.get(f"/api/v1/rooms/{room['id']}").json()
