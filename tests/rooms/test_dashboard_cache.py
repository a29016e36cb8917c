"""The booking panels on a warm home page (every fragment cached, intranet/dashboard.py): a booking made,
cancelled, requested or decided shows on the very next page, and a booking that ends leaves it by itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intranet.news.actions import home_page_ensure
from rooms.actions import booking_approve, booking_cancel, booking_request

from .conftest import slot, working_day


@pytest.fixture
def home(db, client):
    home_page_ensure()
    logged_in = {}

    def get(user):
        if logged_in.get("user") != user.pk:
            client.force_login(user)
            session = client.session
            session.set_expiry(timedelta(days=60))  # the tests below move the clock a few weeks on
            session.save()
            logged_in["user"] = user.pk
        response = client.get("/")
        assert response.status_code == 200
        return response.content.decode()

    return get


def _upcoming(html):
    return html.split('id="panel-rooms-upcoming"')[1].split("</section>")[0]


def test_a_booking_made_then_cancelled_shows_on_the_next_page(home, world, django_assert_num_queries):
    assert "Aucune réservation à venir." in _upcoming(home(world.agent))
    with django_assert_num_queries(3):  # warm: session, user, home page
        home(world.agent)
    start, end = slot(working_day(), "10:00", "11:00")
    booking = booking_request(
        room=world.small, requester=world.agent, title="Point équipe", start=start, end=end
    )
    assert ">Point équipe<" in _upcoming(home(world.agent))
    booking_cancel(booking=booking, actor=world.agent)
    assert ">Point équipe<" not in _upcoming(home(world.agent))


def test_a_request_reaches_the_managers_panel_and_leaves_once_decided(home, world):
    assert 'id="panel-rooms-approvals"' not in home(world.manager)
    start, end = slot(working_day(), "14:00", "15:00")
    booking = booking_request(
        room=world.approval, requester=world.agent, title="Conseil", start=start, end=end
    )
    assert "1 demande de réservation attend votre décision." in home(world.manager)
    booking_approve(booking=booking, approver=world.manager)
    assert 'id="panel-rooms-approvals"' not in home(world.manager)


def test_a_booking_that_ends_leaves_the_panel_without_any_change(home, world, monkeypatch):
    """No write happens when a booking ends: the fragment says itself until when it holds (valid_until)."""
    start, end = slot(working_day(), "09:00", "10:00")
    booking_request(room=world.small, requester=world.agent, title="Réunion passée", start=start, end=end)
    assert ">Réunion passée<" in _upcoming(home(world.agent))
    later = end + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert ">Réunion passée<" not in _upcoming(home(world.agent))


def test_a_pending_request_that_starts_leaves_the_managers_count(home, world, monkeypatch):
    start, end = slot(working_day(), "16:00", "17:00")
    booking_request(room=world.approval, requester=world.agent, title="Conseil", start=start, end=end)
    assert "1 demande de réservation attend votre décision." in home(world.manager)
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(minutes=1))
    assert 'id="panel-rooms-approvals"' not in home(world.manager)


def test_managing_a_room_shows_its_requests_at_once(home, world):
    start, end = slot(working_day(), "11:00", "12:00")
    booking_request(room=world.approval, requester=world.agent, title="Conseil", start=start, end=end)
    assert 'id="panel-rooms-approvals"' not in home(world.other)
    world.approval.managers.add(world.other)
    assert "1 demande de réservation attend votre décision." in home(world.other)
