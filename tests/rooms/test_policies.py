"""Booking policies: one set of rules (rooms/policies.py) enforced through the form, the API and series."""

import json
from datetime import date, time, timedelta

import pytest
from dateutil.easter import easter
from django.core.exceptions import ValidationError
from django.urls import reverse

from rooms.actions import booking_request, series_create, series_preview
from rooms.choices import BookingStatus, Frequency
from rooms.models import Booking, BookingPolicy, Room
from rooms.permissions import actor_for
from rooms.queries import FinderQuery, free_rooms, next_free_slots, today_local
from rooms.recurrence import SeriesRule, local_datetime, public_holidays, to_local

from .conftest import slot, working_day


def book(room, user, start, end, **kw):
    return booking_request(room=room, requester=user, title="Réunion", start=start, end=end, **kw)


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def next_monday(offset_days=7) -> date:
    day = today_local() + timedelta(days=offset_days)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def test_french_public_holidays_include_easter_and_whit_monday():
    assert date(2026, 4, 6) in public_holidays(2026)  # Easter Monday (Easter: 5 April 2026)
    assert date(2026, 5, 25) in public_holidays(2026)  # Whit Monday
    assert date(2026, 5, 14) in public_holidays(2026)  # Ascension
    assert date(2027, 3, 29) in public_holidays(2027)
    assert date(2027, 5, 17) in public_holidays(2027)
    assert len(public_holidays(2027)) == 11


@pytest.mark.parametrize("offset", [1, 50])  # Easter Monday, Whit Monday
def test_a_public_holiday_is_refused_with_its_date(world, offset):
    today = today_local()
    year = (
        today.year
        if easter(today.year) + timedelta(days=offset) > today + timedelta(days=1)
        else today.year + 1
    )
    holiday = easter(year) + timedelta(days=offset)
    BookingPolicy.objects.create(name="Siège", site=world.siege, window_days=400)
    with pytest.raises(ValidationError) as exc:
        book(world.small, world.agent, *slot(holiday, "10:00", "11:00"))
    assert "jour férié" in exc.value.messages[0] and exc.value.code == "holiday"
    # the finder agrees: no room of the site on that day
    q = FinderQuery(*slot(holiday, "10:00", "11:00"), site=world.siege.pk)
    assert free_rooms(actor_for(world.agent), q) == []
    # a site open on public holidays takes it
    BookingPolicy.objects.filter(site=world.siege).update(closed_on_public_holidays=False)
    fresh = Room.objects.get(pk=world.small.pk)  # a room caches its policy for the request
    assert book(fresh, world.agent, *slot(holiday, "10:00", "11:00")).pk


def test_policy_hours_and_window_refusals_name_the_rule(world):
    BookingPolicy.objects.create(
        name="Siège", site=world.siege, opens_at=time(9), closes_at=time(17), window_days=30
    )
    day = working_day()
    with pytest.raises(ValidationError) as exc:
        book(world.small, world.agent, *slot(day, "17:00", "18:00"))
    assert "ouverte de 09:00 à 17:00" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        book(world.small, world.agent, *slot(working_day(45), "10:00", "11:00"))
    assert "30 jours à l'avance au plus" in exc.value.messages[0]
    assert "fenêtre de réservation" in exc.value.messages[0]
    # the other site keeps the defaults
    assert book(world.big, world.agent, *slot(day, "17:00", "18:00")).pk
    # a room's own policy replaces its site's
    BookingPolicy.objects.create(name="Petite", room=world.small, opens_at=time(7), closes_at=time(20))
    fresh = Room.objects.get(pk=world.small.pk)  # a room caches its policy for the request
    assert book(fresh, world.agent, *slot(day, "19:00", "20:00")).pk


def test_buffer_between_bookings(world):
    BookingPolicy.objects.create(name="Petite", room=world.small, buffer_minutes=30)
    day = working_day()
    book(world.small, world.agent, *slot(day, "10:00", "11:00"))
    with pytest.raises(ValidationError) as exc:
        book(world.small, world.other, *slot(day, "11:15", "12:00"))
    assert "30 minutes libres" in exc.value.messages[0]
    assert book(world.small, world.other, *slot(day, "11:30", "12:00")).pk
    # the next free slot respects the buffer too: 10:00–11:00 and 11:30–12:00 keep 09:30–12:30 busy
    first = next_free_slots(world.small, local_datetime(day, time(9)), timedelta(hours=1), count=1)
    assert first[0][0] == local_datetime(day, time(12, 30))


def test_who_may_book_by_employer_and_department(world, make_user):
    from intranet.people.models import Organisation

    commune = Organisation.objects.create(name="Mairie de Bailleul", kind="commune", insee_code="59043")
    policy = BookingPolicy.objects.create(name="Grande salle", room=world.big)
    policy.employers.set([commune])
    s, e = slot(working_day(), "10:00", "11:00")
    with pytest.raises(ValidationError) as exc:
        book(world.big, world.agent, s, e)
    assert "réservée à certains services" in exc.value.messages[0]
    q = FinderQuery(start=s, end=e)
    assert world.big not in free_rooms(actor_for(world.agent), q)
    bailleul = make_user("anne.bailleul", employer=commune)
    assert world.big in free_rooms(actor_for(bailleul), q)
    assert book(world.big, bailleul, s, e).pk
    policy.employers.clear()
    policy.departments.set([world.rh])
    assert world.big in free_rooms(
        actor_for(world.manager), FinderQuery(*slot(working_day(), "14:00", "15:00"))
    )
    assert world.big not in free_rooms(
        actor_for(world.agent), FinderQuery(*slot(working_day(), "14:00", "15:00"))
    )


def test_active_bookings_quota_through_the_web_form(client, world):
    BookingPolicy.objects.create(name="Siège", site=world.siege, max_active_bookings=2)
    day = working_day()
    book(world.small, world.agent, *slot(day, "09:00", "10:00"))
    book(world.medium, world.agent, *slot(day, "09:00", "10:00"))  # the same site's policy counts both
    client.force_login(world.agent)
    response = client.post(
        reverse("rooms:book", args=[world.small.pk]),
        {
            "title": "Encore",
            "date": day.isoformat(),
            "start_time": "11:00",
            "end_time": "12:00",
            "attendees": 1,
        },
    )
    assert response.status_code == 400
    assert "Quota atteint : 2 réservations en cours par agent" in response.content.decode()
    assert Booking.objects.filter(requester=world.agent).count() == 2
    # another agent is not concerned; a room of another site neither
    assert book(world.small, world.other, *slot(day, "11:00", "12:00")).pk
    assert book(world.big, world.agent, *slot(day, "11:00", "12:00")).pk


def test_hours_per_week_quota_through_the_api(client, world):
    BookingPolicy.objects.create(name="Petite", room=world.small, max_hours_per_week=3)
    monday = next_monday()
    book(world.small, world.agent, *slot(monday, "09:00", "11:00"))
    client.force_login(world.agent)
    s, e = slot(monday + timedelta(days=1), "09:00", "11:00")
    r = post_json(
        client,
        "/api/v1/bookings",
        {"room": world.small.pk, "title": "x", "start": s.isoformat(), "end": e.isoformat()},
    )
    assert r.status_code == 400
    assert "3 h par semaine" in r.json()["detail"] and "2 h" in r.json()["detail"]
    s, e = slot(monday + timedelta(days=1), "09:00", "10:00")
    r = post_json(
        client,
        "/api/v1/bookings",
        {"room": world.small.pk, "title": "x", "start": s.isoformat(), "end": e.isoformat()},
    )
    assert r.status_code == 201
    # the next week starts afresh
    s, e = slot(monday + timedelta(days=7), "09:00", "11:00")
    r = post_json(
        client,
        "/api/v1/bookings",
        {"room": world.small.pk, "title": "x", "start": s.isoformat(), "end": e.isoformat()},
    )
    assert r.status_code == 201


def test_a_series_breaking_the_quota_midway_books_what_fits_and_lists_the_rest(client, world):
    """Quota of 3 live bookings, one already held: a weekly series of 4 books 2 and lists 2 with the rule."""
    BookingPolicy.objects.create(name="Moyenne", room=world.medium, max_active_bookings=3)
    monday = next_monday()
    book(world.medium, world.agent, *slot(monday, "14:00", "15:00"))
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=monday + timedelta(days=1), count=4)
    args = {
        "room": world.medium,
        "requester": world.agent,
        "rule": rule,
        "start_time": time(9),
        "end_time": time(10),
        "attendees": 2,
    }
    occurrences = series_preview(**args)
    assert [o.free for o in occurrences] == [True, True, False, False]
    assert all("Quota atteint" in o.error for o in occurrences[2:])
    series, created = series_create(title="Point hebdo", **args)
    assert len(created) == 2
    assert Booking.objects.blocking().filter(requester=world.agent).count() == 3
    # the API says the same with its list of skipped dates
    Booking.objects.filter(series=series).delete()
    client.force_login(world.agent)
    s, e = slot(monday + timedelta(days=1), "09:00", "10:00")
    r = post_json(
        client,
        "/api/v1/bookings",
        {
            "room": world.medium.pk,
            "title": "x",
            "start": s.isoformat(),
            "end": e.isoformat(),
            "rrule": "FREQ=WEEKLY;COUNT=4",
        },
    )
    assert r.status_code == 201, r.content
    assert len(r.json()["created"]) == 2 and len(r.json()["skipped"]) == 2


def test_series_length_limit_and_series_approval(world):
    BookingPolicy.objects.create(
        name="Petite", room=world.small, max_series_occurrences=5, series_require_approval=True
    )
    rule = SeriesRule(frequency=Frequency.DAILY, first_date=working_day(), count=20)
    args = {
        "room": world.small,
        "requester": world.agent,
        "start_time": time(9),
        "end_time": time(10),
        "attendees": 1,
    }
    with pytest.raises(ValidationError) as exc:
        series_create(title="Trop", rule=rule, **args)
    assert "limitent une série à 5 occurrences" in exc.value.messages[0]
    assert not Booking.objects.exists()
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=working_day(), count=3)
    _series, created = series_create(title="Hebdo", rule=rule, **args)
    assert {b.status for b in created} == {BookingStatus.PENDING}
    # a single booking of the same room is still confirmed at once
    assert (
        book(world.small, world.agent, *slot(working_day(30), "15:00", "16:00")).status
        == BookingStatus.APPROVED
    )


def test_weekly_quota_across_the_change_to_summer_time(world):
    """A weekly 09:00–10:00 series across the last Sunday of March stays at 09:00 Paris time and counts one
    hour in each (local Monday–Sunday) week, so a 1 h weekly quota fits every occurrence."""
    BookingPolicy.objects.create(name="Moyenne", room=world.medium, max_hours_per_week=1, window_days=400)
    today = today_local()
    year = today.year + 1 if today >= date(today.year, 3, 10) else today.year
    last_sunday = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    first = last_sunday - timedelta(days=12)  # a Tuesday (Easter Monday may follow the change)
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=first, count=4)
    _series, created = series_create(
        room=world.medium,
        requester=world.agent,
        title="Hebdo",
        rule=rule,
        start_time=time(9),
        end_time=time(10),
        attendees=1,
    )
    assert len(created) == 4
    assert {to_local(b.start).strftime("%H:%M") for b in created} == {"09:00"}
    # a second hour in one of those weeks breaks the quota
    with pytest.raises(ValidationError) as exc:
        book(world.medium, world.agent, *slot(last_sunday + timedelta(days=3), "14:00", "15:00"))
    assert "1 h par semaine" in exc.value.messages[0]


def test_october_night_counts_three_hours_towards_the_weekly_quota(world):
    """01:30–03:30 on the night back to winter time lasts 3 h: a 2 h weekly quota refuses it."""
    BookingPolicy.objects.create(
        name="Nuit",
        room=world.big,
        opens_at=time(0),
        closes_at=time(23, 59),
        open_days="1234567",
        max_duration=1440,
        window_days=400,
        max_hours_per_week=2,
    )
    today = today_local()
    year = today.year + 1 if today >= date(today.year, 10, 20) else today.year
    night = max(date(year, 10, d) for d in range(25, 32) if date(year, 10, d).weekday() == 6)
    start, end = local_datetime(night, time(1, 30)), local_datetime(night, time(3, 30))
    with pytest.raises(ValidationError) as exc:
        book(world.big, world.agent, start, end)
    assert "2 h par semaine" in exc.value.messages[0]


def test_a_policy_edit_keeps_bookings_and_flags_them_for_the_managers(world):
    from intranet.notifications.models import Notification

    day = working_day()
    late = book(world.approval, world.manager, *slot(day, "17:00", "18:30"))
    early = book(world.approval, world.manager, *slot(day, "10:00", "11:00"))
    policy = BookingPolicy.objects.create(name="Conseil", room=world.approval, closes_at=time(18))
    late.refresh_from_db()
    early.refresh_from_db()
    assert late.status == BookingStatus.APPROVED and "horaires d'ouverture" in late.policy_flag
    assert early.policy_flag == ""
    told = Notification.objects.get(recipient=world.manager, verb="rooms.policy_flag")
    assert "ne conviennent plus à 1 réservation à venir : elle est maintenue" in told.text  # ngettext
    policy.closes_at = time(19)
    policy.save()
    late.refresh_from_db()
    assert late.policy_flag == ""
