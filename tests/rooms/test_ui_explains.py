"""« Mes validations » rejects a selection with one reason; the iCal page explains how to subscribe."""

from django.urls import reverse

from rooms.actions import booking_request
from rooms.choices import BookingStatus
from rooms.models import Booking

from .conftest import slot, working_day


def test_reject_a_selection_with_one_reason(client, world):
    day = working_day()
    first = booking_request(
        room=world.approval,
        requester=world.agent,
        title="A",
        start=slot(day, "09:00", "10:00")[0],
        end=slot(day, "09:00", "10:00")[1],
    )
    second = booking_request(
        room=world.approval,
        requester=world.other,
        title="B",
        start=slot(day, "10:00", "11:00")[0],
        end=slot(day, "10:00", "11:00")[1],
    )
    client.force_login(world.manager)
    url = reverse("rooms:approvals")
    page = client.get(url).content.decode()
    assert "Refuser la sélection" in page and "Valider la sélection" in page
    response = client.post(
        url, {"booking": [first.pk, second.pk], "action": "reject", "reason": " "}, follow=True
    )
    assert "Indiquez le motif du refus" in response.content.decode()
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 2
    response = client.post(
        url,
        {"booking": [first.pk, second.pk], "action": "reject", "reason": "Salle réservée au conseil"},
        follow=True,
    )
    page = response.content.decode()
    assert "2 demande" in page and "refusée" in page  # « (s) » may be written out by the message layer
    assert set(Booking.objects.values_list("status", "decision_reason")) == {
        (BookingStatus.REJECTED, "Salle réservée au conseil")
    }
    # someone who manages nothing gets 404, as for a missing request
    client.force_login(world.agent)
    assert client.post(url, {"booking": [first.pk], "action": "reject", "reason": "x"}).status_code == 404


def test_feed_page_has_a_copy_button_and_instructions(client, world):
    client.force_login(world.agent)
    page = client.post(reverse("rooms:feeds"), {"action": "create"}).content.decode()
    assert 'data-copy="feed-mine"' in page and "js/copy.js" in page
    assert "Outlook" in page and "Thunderbird" in page and "iPhone" in page


def test_the_finder_says_when_sites_are_closed(client, world):
    from datetime import timedelta

    from dateutil.easter import easter

    from rooms.queries import today_local

    year = today_local().year + 1
    whit_monday = easter(year) + timedelta(days=50)
    client.force_login(world.agent)
    query = {"date": whit_monday.isoformat(), "start_time": "10:00", "end_time": "11:00", "capacity": 1}
    page = client.get(reverse("rooms:finder"), query).content.decode()
    assert "est un jour férié" in page and "apparaissent pas dans les résultats" in page
    assert "Petite salle" not in page


def test_week_view_day_on_a_public_holiday_is_closed_not_free(client, world):
    """The day a phone shows alone (?jour=) is named, and a public holiday is « Fermé » all day."""
    from datetime import timedelta

    from dateutil.easter import easter

    from rooms.queries import today_local

    whit_monday = easter(today_local().year + 1) + timedelta(days=50)
    client.force_login(world.agent)
    url = reverse("rooms:room", args=[world.small.pk])
    page = client.get(url, {"jour": whit_monday.isoformat()}).content.decode()
    day = page.split('<section class="week-day"')[1]
    assert f">Lundi {whit_monday.day} " in day and "Jour férié : fermé toute la journée." in day
    assert "Fermé" in day and "Libre" not in day
    # the day after is a working Tuesday: open hours are free, 7 h is closed
    tuesday = whit_monday + timedelta(days=1)
    page = client.get(url, {"jour": tuesday.isoformat()}).content.decode()
    day = page.split('<section class="week-day"')[1]
    assert f">Mardi {tuesday.day} " in day and "Libre" in day and "Fermé" in day
