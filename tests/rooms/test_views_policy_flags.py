"""Bookings a policy edit left outside the rules: listed for the resource's managers in « Mes validations »
with the rule each breaks, kept as they are (the flag goes and the same reason never flags them again) or
cancelled with a reason sent to the requester; 404 for everyone else (issue 20)."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from intranet.audit.models import AccessEvent
from intranet.notifications.models import Notification
from rooms.actions import booking_request
from rooms.choices import BookingStatus
from rooms.models import BookingPolicy
from rooms.queries import flagged_bookings

from .conftest import slot, working_day

APPROVALS = reverse("rooms:approvals")


def book(world, requester, title, day, start, end):
    s, e = slot(day, start, end)
    return booking_request(room=world.approval, requester=requester, title=title, start=s, end=e)


@pytest.fixture
def flagged(world):
    """Two bookings of the council room fit the rules when made; then its closing time moves to 18:00."""
    late = book(world, world.agent, "Conseil tardif", working_day(), "17:00", "18:30")
    fine = book(world, world.other, "Point du matin", working_day(), "10:00", "11:00")
    policy = BookingPolicy.objects.create(name="Conseil", room=world.approval, closes_at=time(18))
    late.refresh_from_db()
    fine.refresh_from_db()
    assert late.policy_flag and not fine.policy_flag
    return policy, late, fine


def test_the_managers_see_each_flagged_booking_with_the_rule_it_breaks(client, world, flagged):
    _policy, late, fine = flagged
    client.force_login(world.manager)
    response = client.get(APPROVALS)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Réservations à revoir après un changement de règles" in page
    assert "Conseil tardif" in page and "hors des horaires d&#x27;ouverture (08:00–18:00)" in page
    assert reverse("rooms:booking_keep", args=[late.pk]) in page
    assert reverse("rooms:booking_keep", args=[fine.pk]) not in page
    # the notification leads there
    told = Notification.objects.get(recipient=world.manager, verb="rooms.policy_flag")
    assert told.url == APPROVALS + "#a-revoir"
    # the requester and other agents see no such list
    for user in (world.agent, world.other, world.outsider):
        client.force_login(user)
        assert "Réservations à revoir" not in client.get(APPROVALS).content.decode()


def test_the_flagged_list_takes_a_constant_number_of_queries(
    client, world, flagged, django_assert_num_queries
):
    """Listing 1 or 4 flagged bookings costs the same queries: one for the list, resources, sites and
    requesters joined."""
    policy, _late, _fine = flagged

    def page_queries() -> tuple[int, str]:
        client.get(APPROVALS)  # the page's chrome (menu counts, notifications) cached as in use
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(APPROVALS).content.decode()
        return len(ctx), page

    client.force_login(world.manager)
    one, page = page_queries()
    assert page.count("Règle enfreinte") == 1
    policy.closes_at = time(19)
    policy.save()
    for i, who in enumerate((world.other, world.outsider, world.manager)):
        book(world, who, f"Tard {i}", working_day(14 + 7 * i), "17:30", "18:45")
    policy.closes_at = time(18)
    policy.save()
    four, page = page_queries()
    assert page.count("Règle enfreinte") == 4
    assert four == one
    with django_assert_num_queries(1):
        rows = flagged_bookings(world.manager)
        assert {(b.room.site.name, b.requester.username) for b in rows} >= {("Siège", "marie.dupont")}


def test_keeping_clears_the_flag_and_the_same_rule_never_flags_it_again(client, world, flagged):
    policy, late, _fine = flagged
    client.force_login(world.manager)
    response = client.post(reverse("rooms:booking_keep", args=[late.pk]), {"next": "approvals"})
    assert response.status_code == 302 and response.url == APPROVALS + "#a-revoir"
    late.refresh_from_db()
    assert late.policy_flag == "" and "horaires d'ouverture" in late.policy_flag_kept
    assert late.status == BookingStatus.PENDING  # kept as it was: still to approve
    assert AccessEvent.objects.filter(action="rooms.booking.keep", object_id=str(late.pk)).exists()
    assert reverse("rooms:booking_keep", args=[late.pk]) not in client.get(APPROVALS).content.decode()
    # an unrelated edit of the same policy: not flagged again, nobody told again
    policy.buffer_minutes = 0
    policy.max_active_bookings = 50
    policy.save()
    late.refresh_from_db()
    assert late.policy_flag == ""
    assert Notification.objects.filter(verb="rooms.policy_flag").count() == 1
    # keeping twice says why nothing happened
    response = client.post(reverse("rooms:booking_keep", args=[late.pk]), follow=True)
    assert "n&#x27;est plus signalée" in response.content.decode()
    # a stricter edit breaks another rule: flagged anew
    policy.closes_at = time(17, 30)
    policy.save()
    late.refresh_from_db()
    assert "17:30" in late.policy_flag


def test_cancelling_a_flagged_booking_needs_a_reason_sent_to_the_requester(client, world, flagged):
    _policy, late, _fine = flagged
    client.force_login(world.manager)
    url = reverse("rooms:booking_cancel", args=[late.pk])
    response = client.post(url, {"next": "approvals", "reason": "  "}, follow=True)
    assert "Indiquez le motif de l&#x27;annulation" in response.content.decode()
    late.refresh_from_db()
    assert late.status == BookingStatus.PENDING
    response = client.post(url, {"next": "approvals", "reason": "La salle ferme à 18 h désormais."})
    assert response.status_code == 302 and response.url == APPROVALS + "#a-revoir"
    late.refresh_from_db()
    assert (
        late.status == BookingStatus.CANCELLED and late.decision_reason == "La salle ferme à 18 h désormais."
    )
    told = Notification.objects.get(recipient=world.agent, verb="rooms.cancelled")
    assert "La salle ferme à 18 h désormais." in told.text
    assert reverse("rooms:booking_keep", args=[late.pk]) not in client.get(APPROVALS).content.decode()


@pytest.mark.parametrize("who", ["agent", "other", "outsider"])
def test_keeping_is_for_the_managers_alone(client, world, flagged, who):
    """The requester, another agent, someone outside: 404, as for a booking that does not exist."""
    _policy, late, _fine = flagged
    client.force_login(getattr(world, who))
    assert client.post(reverse("rooms:booking_keep", args=[late.pk])).status_code == 404
    assert client.post(reverse("rooms:booking_keep", args=[late.pk + 1000])).status_code == 404
    assert client.get(reverse("rooms:booking_keep", args=[late.pk])).status_code in (404, 405)
    late.refresh_from_db()
    assert late.policy_flag
    # the manager may (the refusal was for who asked)
    client.force_login(world.manager)
    assert client.post(reverse("rooms:booking_keep", args=[late.pk])).status_code == 302
    late.refresh_from_db()
    assert late.policy_flag == ""


def test_the_booking_page_offers_the_manager_to_keep_it(client, world, flagged):
    _policy, late, _fine = flagged
    client.force_login(world.manager)
    page = client.get(reverse("rooms:booking", args=[late.pk])).content.decode()
    assert "Hors des règles actuelles" in page and "Maintenir la réservation" in page
    client.force_login(world.agent)
    page = client.get(reverse("rooms:booking", args=[late.pk])).content.decode()
    assert "Maintenir la réservation" not in page


def test_moving_a_flagged_booking_within_the_rules_clears_its_flag(client, world, flagged):
    _policy, late, _fine = flagged
    client.force_login(world.agent)
    day = working_day()
    response = client.post(
        reverse("rooms:booking_edit", args=[late.pk]),
        {
            "title": late.title,
            "date": day.isoformat(),
            "start_time": "16:00",
            "end_time": "17:30",
            "attendees": 1,
            "scope": "one",
        },
    )
    assert response.status_code == 302, response.content.decode()
    late.refresh_from_db()
    assert late.policy_flag == "" and late.policy_flag_kept == ""
