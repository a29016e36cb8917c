"""iCalendar feeds: parsed with icalendar, secret revocable tokens, titles hidden from others."""

import pytest
from icalendar import Calendar

from rooms.actions import booking_cancel, booking_request, feed_token_create, feed_token_revoke

from .conftest import slot, working_day


@pytest.fixture
def bookings(world):
    day = working_day()
    mine = booking_request(
        room=world.small,
        requester=world.agent,
        title="Réunion secrète RH",
        start=slot(day, "10:00", "11:00")[0],
        end=slot(day, "10:00", "11:00")[1],
    )
    pending = booking_request(
        room=world.approval,
        requester=world.agent,
        title="Conseil",
        start=slot(day, "14:00", "15:00")[0],
        end=slot(day, "14:00", "15:00")[1],
    )
    cancelled = booking_request(
        room=world.small,
        requester=world.agent,
        title="Annulée",
        start=slot(day, "15:00", "16:00")[0],
        end=slot(day, "15:00", "16:00")[1],
    )
    booking_cancel(booking=cancelled, actor=world.agent)
    return mine, pending, cancelled


def events(content: bytes):
    cal = Calendar.from_ical(content)
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_agent_feed_lists_own_bookings_with_status_and_timezone(client, world, bookings):
    mine, pending, cancelled = bookings
    secret = feed_token_create(user=world.agent)
    response = client.get(f"/salles/agenda/{secret}/mes-reservations.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal, evs = events(response.content)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert (
        str(evs[mine.uid]["STATUS"]) == "CONFIRMED" and str(evs[mine.uid]["SUMMARY"]) == "Réunion secrète RH"
    )
    assert str(evs[pending.uid]["STATUS"]) == "TENTATIVE"
    assert str(evs[cancelled.uid]["STATUS"]) == "CANCELLED"
    start = evs[mine.uid].decoded("DTSTART")
    assert start == mine.start and str(start.tzinfo) == "Europe/Paris"
    # stable UID across fetches
    _cal, again = events(client.get(f"/salles/agenda/{secret}/mes-reservations.ics").content)
    assert set(again) == set(evs)


def test_room_feed_hides_titles_from_agents_who_may_not_see_them(client, world, bookings):
    mine, _pending, _cancelled = bookings
    other_secret = feed_token_create(user=world.other)
    _cal, evs = events(client.get(f"/salles/agenda/{other_secret}/salle/{world.small.pk}.ics").content)
    assert str(evs[mine.uid]["SUMMARY"]) == "Occupé" and "DESCRIPTION" not in evs[mine.uid]
    assert b"secr" not in client.get(f"/salles/agenda/{other_secret}/salle/{world.small.pk}.ics").content
    assert len(evs) == 1  # cancelled bookings do not show in a room feed
    owner_secret = feed_token_create(user=world.agent)
    _cal, evs = events(client.get(f"/salles/agenda/{owner_secret}/salle/{world.small.pk}.ics").content)
    assert str(evs[mine.uid]["SUMMARY"]) == "Réunion secrète RH"
    manager_secret = feed_token_create(user=world.manager)
    _cal, evs = events(client.get(f"/salles/agenda/{manager_secret}/salle/{world.approval.pk}.ics").content)
    assert str(next(iter(evs.values()))["SUMMARY"]) == "Conseil"


def test_bad_replaced_and_revoked_tokens_get_404(client, world, bookings):
    assert client.get("/salles/agenda/not-a-token/mes-reservations.ics").status_code == 404
    old = feed_token_create(user=world.agent)
    new = feed_token_create(user=world.agent)
    assert client.get(f"/salles/agenda/{old}/mes-reservations.ics").status_code == 404
    assert client.get(f"/salles/agenda/{new}/mes-reservations.ics").status_code == 200
    feed_token_revoke(user=world.agent)
    assert client.get(f"/salles/agenda/{new}/mes-reservations.ics").status_code == 404
    secret = feed_token_create(user=world.agent)
    world.agent.is_active = False
    world.agent.save()
    assert client.get(f"/salles/agenda/{secret}/mes-reservations.ics").status_code == 404


def test_feed_expands_with_recurring_ical_events(client, world, bookings):
    recurring_ical_events = pytest.importorskip("recurring_ical_events")
    secret = feed_token_create(user=world.agent)
    cal = Calendar.from_ical(client.get(f"/salles/agenda/{secret}/mes-reservations.ics").content)
    mine = bookings[0]
    found = recurring_ical_events.of(cal).between(mine.start, mine.end)
    assert any(str(e["UID"]) == mine.uid for e in found)


def test_feeds_page_creates_shows_once_and_revokes(client, world):
    client.force_login(world.agent)
    response = client.post("/salles/agenda/", {"action": "create"})
    assert response.status_code == 200 and b"mes-reservations.ics" in response.content
    assert b"mes-reservations.ics" not in client.get("/salles/agenda/").content
    response = client.post("/salles/agenda/", {"action": "revoke"})
    assert response.status_code == 302 and not world.agent.room_feed_tokens.exists()
