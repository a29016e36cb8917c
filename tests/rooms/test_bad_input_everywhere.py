"""The issue's « Bad input », through each door: the web form, the API and series. A vehicle without the
driving licence confirmed, equipment over what is held, a quota broken midway through a series, a slot outside
opening hours or on a public holiday, a booking beyond the window: a clear French message, nothing half-done
(issue 20). The action-level rules themselves are tested in test_policies.py and test_kinds.py."""

import json
from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rooms.choices import BookingStatus, ResourceKind
from rooms.models import Booking, BookingPolicy, BookingSeries, Room
from rooms.queries import today_local
from rooms.recurrence import public_holidays, to_local

from .conftest import slot, working_day


@pytest.fixture
def fleet(world):
    car = Room.objects.create(
        kind=ResourceKind.VEHICLE, name="Zoé", slug="zoe", site=world.siege, capacity=4, plate="GA-123-BC"
    )
    cameras = Room.objects.create(
        kind=ResourceKind.EQUIPMENT,
        name="Appareil photo",
        slug="appareil-photo",
        site=world.siege,
        capacity=1,
        quantity_held=3,
    )
    return car, cameras


def api(client, **body):
    return client.post("/api/v1/bookings", json.dumps(body), content_type="application/json")


def form(day: date, start="09:00", end="10:00", **extra) -> dict:
    return {"title": "Réunion", "date": day.isoformat(), "start_time": start, "end_time": end, **extra}


def weekly(count: int) -> dict:
    return {"repeat": "weekly", "interval": 1, "count": count}


def next_weekday_holiday(after_days: int = 2) -> date:
    """The next French public holiday falling on a weekday, at least `after_days` ahead."""
    today = today_local()
    days = sorted(public_holidays(today.year) | public_holidays(today.year + 1))
    return next(d for d in days if d >= today + timedelta(days=after_days) and d.weekday() < 5)


def test_a_vehicle_series_without_the_licence_is_refused_by_the_form_and_the_api(client, world, fleet):
    car, _cameras = fleet
    client.force_login(world.agent)
    day = working_day()
    response = client.post(reverse("rooms:book", args=[car.pk]), form(day, attendees=1, **weekly(3)))
    assert response.status_code == 400 and "permis de conduire" in response.content.decode()
    s, e = slot(day, "09:00", "10:00")
    body = {"room": car.pk, "title": "Tournée", "start": s.isoformat(), "end": e.isoformat()}
    r = api(client, **body, rrule="FREQ=WEEKLY;COUNT=3")
    assert r.status_code == 400 and "permis de conduire" in r.json()["detail"]
    assert not Booking.objects.exists() and not BookingSeries.objects.exists()
    # with the box ticked, the same series goes through
    r = api(client, **body, rrule="FREQ=WEEKLY;COUNT=3", licence_confirmed=True)
    assert r.status_code == 201 and len(r.json()["created"]) == 3
    assert all(b.licence_confirmed_at for b in Booking.objects.all())


def test_equipment_over_what_is_held_is_refused_by_the_form_and_a_series_of_it_by_the_api(
    client, world, fleet
):
    _car, cameras = fleet
    client.force_login(world.agent)
    day = working_day()
    url = reverse("rooms:book", args=[cameras.pk])
    response = client.post(url, form(day, quantity=4))
    assert (
        response.status_code == 400
        and "3 exemplaires détenus, vous en demandez 4" in response.content.decode()
    )
    assert client.post(url, form(day, quantity=2)).status_code == 302
    response = client.post(url, form(day, "09:30", "11:00", quantity=2))
    assert response.status_code == 400 and "Il ne reste que 1 « Appareil photo » disponible" in (
        response.content.decode()
    )
    s, e = slot(day, "14:00", "15:00")
    body = {"room": cameras.pk, "title": "Prêt", "start": s.isoformat(), "end": e.isoformat()}
    r = api(client, **body, rrule="FREQ=DAILY;COUNT=2")
    assert r.status_code == 400 and "pas de série" in r.json()["detail"]
    assert Booking.objects.count() == 1
    assert client.post(url, form(day, "09:30", "11:00", quantity=1)).status_code == 302


def test_a_series_breaking_the_quota_midway_through_the_web_form(client, world):
    """Quota of 2 live bookings: the preview lists the third and fourth weeks with the rule, confirming books
    the first two only."""
    BookingPolicy.objects.create(name="Moyenne", room=world.medium, max_active_bookings=2)
    client.force_login(world.agent)
    data = form(working_day(), attendees=2, **weekly(4))
    url = reverse("rooms:book", args=[world.medium.pk])
    preview = client.post(url, data)
    page = preview.content.decode()
    assert preview.status_code == 200 and page.count("Quota atteint : 2 réservations en cours par agent") == 2
    assert not Booking.objects.exists()  # a preview books nothing
    response = client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 302
    assert Booking.objects.filter(requester=world.agent, status=BookingStatus.APPROVED).count() == 2


def test_outside_opening_hours_is_refused_by_the_form_and_the_api(client, world):
    BookingPolicy.objects.create(name="Siège", site=world.siege, opens_at=time(9), closes_at=time(17))
    client.force_login(world.agent)
    day = working_day()
    response = client.post(
        reverse("rooms:book", args=[world.small.pk]), form(day, "16:30", "17:30", attendees=1)
    )
    assert response.status_code == 400 and "est ouverte de 09:00 à 17:00" in response.content.decode()
    s, e = slot(day, "08:00", "09:30")
    r = api(client, room=world.small.pk, title="Tôt", start=s.isoformat(), end=e.isoformat())
    assert r.status_code == 400 and "est ouverte de 09:00 à 17:00" in r.json()["detail"]
    assert not Booking.objects.exists()
    s, e = slot(day, "09:00", "10:00")
    assert (
        api(client, room=world.small.pk, title="Ok", start=s.isoformat(), end=e.isoformat()).status_code
        == 201
    )


def test_a_public_holiday_is_refused_by_the_form_the_api_and_skipped_in_a_series(client, world):
    holiday = next_weekday_holiday(after_days=9)  # the week before is still to come
    BookingPolicy.objects.create(name="Siège", site=world.siege, window_days=400)
    client.force_login(world.agent)
    response = client.post(reverse("rooms:book", args=[world.small.pk]), form(holiday, attendees=1))
    assert response.status_code == 400 and "est un jour férié" in response.content.decode()
    s, e = slot(holiday, "10:00", "11:00")
    r = api(client, room=world.small.pk, title="Férié", start=s.isoformat(), end=e.isoformat())
    assert r.status_code == 400 and "jour férié" in r.json()["detail"]
    assert not Booking.objects.exists()
    # a weekly series from the week before books the other weeks and lists the holiday as skipped
    s, e = slot(holiday - timedelta(days=7), "10:00", "11:00")
    r = api(
        client,
        room=world.small.pk,
        title="Hebdo",
        start=s.isoformat(),
        end=e.isoformat(),
        rrule="FREQ=WEEKLY;COUNT=3",
    )
    assert r.status_code == 201, r.content
    assert holiday in [date.fromisoformat(d) for d in r.json()["skipped"]]
    assert len(r.json()["created"]) >= 1
    assert all(to_local(b.start).date() != holiday for b in Booking.objects.all())


def test_the_booking_window_is_enforced_by_the_form_the_api_and_series(client, world):
    BookingPolicy.objects.create(name="Petite", room=world.small, window_days=20)
    client.force_login(world.agent)
    far = working_day(30)
    response = client.post(reverse("rooms:book", args=[world.small.pk]), form(far, attendees=1))
    assert response.status_code == 400 and "20 jours à l&#x27;avance au plus" in response.content.decode()
    s, e = slot(far, "10:00", "11:00")
    r = api(client, room=world.small.pk, title="Loin", start=s.isoformat(), end=e.isoformat())
    assert r.status_code == 400 and "fenêtre de réservation" in r.json()["detail"]
    # a weekly series from next week: the weeks beyond 20 days are listed, the others booked
    s, e = slot(working_day(7), "10:00", "11:00")
    r = api(
        client,
        room=world.small.pk,
        title="Hebdo",
        start=s.isoformat(),
        end=e.isoformat(),
        rrule="FREQ=WEEKLY;COUNT=5",
    )
    assert r.status_code == 201, r.content
    created, skipped = r.json()["created"], r.json()["skipped"]
    assert len(created) + len(skipped) == 5 and len(skipped) >= 2
    limit = timezone.now() + timedelta(days=20)
    assert Booking.objects.count() == len(created) and all(b.start <= limit for b in Booking.objects.all())
