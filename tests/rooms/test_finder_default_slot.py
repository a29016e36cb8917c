"""The finder, given no date or time, searches the next working slot: the next opening hour on a working
day (not a weekend, not a French public holiday), per the sites' opening hours; a fixed clock."""

from datetime import datetime, time

import pytest
from django.urls import reverse

from rooms.models import BookingPolicy
from rooms.queries import next_working_slot
from rooms.recurrence import PARIS


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # a Tuesday morning mid-hour: the next full hour
        (at(2027, 3, 2, 10, 20), at(2027, 3, 2, 11)),
        # on the hour exactly: that hour
        (at(2027, 3, 2, 10, 0), at(2027, 3, 2, 10)),
        # before opening: the opening hour
        (at(2027, 3, 2, 6, 5), at(2027, 3, 2, 8)),
        # Friday 24 December 2027, 18:30: Christmas (Saturday), Sunday -> Monday 27 at opening
        (at(2027, 12, 24, 18, 30), at(2027, 12, 27, 8)),
        # Friday before Easter 2027, evening: the weekend (and summer time), Easter Monday -> Tuesday 30 March
        (at(2027, 3, 26, 20, 0), at(2027, 3, 30, 8)),
    ],
)
def test_next_working_slot_skips_closed_hours_weekends_and_public_holidays(world, now, expected):
    start, end = next_working_slot(now=now)
    assert start == expected and (end - start).total_seconds() == 3600


def test_next_working_slot_follows_the_chosen_sites_hours(world):
    BookingPolicy.objects.create(name="Cassel", site=world.cassel, opens_at=time(9, 30), closes_at=time(12))
    monday = at(2027, 3, 1, 7, 0)
    assert next_working_slot(now=monday, site=world.cassel.pk)[0] == at(2027, 3, 1, 9, 30)
    # at noon Cassel is closed until the next morning; any site (the Siège follows the defaults) is open
    noon = at(2027, 3, 1, 11, 40)
    assert next_working_slot(now=noon, site=world.cassel.pk)[0] == at(2027, 3, 2, 9, 30)
    assert next_working_slot(now=noon)[0] == at(2027, 3, 1, 12)


def test_finder_page_without_a_date_searches_the_next_working_slot(client, world, monkeypatch):
    monkeypatch.setattr("rooms.views._clock", lambda: at(2027, 12, 24, 18, 30))
    client.force_login(world.agent)
    page = client.get(reverse("rooms:finder")).content.decode()
    assert "le prochain créneau ouvré : le lundi 27 décembre 2027 de 08:00 à 09:00" in page
    assert 'value="2027-12-27"' in page and 'value="08:00"' in page and 'value="09:00"' in page
    assert "salles libres sur tout le créneau" in page and "Petite salle" in page
    # from « Véhicules », the kind is kept and the slot is the same
    page = client.get(reverse("rooms:finder"), {"kind": "vehicle"}).content.decode()
    assert "0 véhicule" in page and "libre" in page and "Petite salle" not in page
    # a date given by the agent is searched as it is
    given = {"date": "2027-12-28", "start_time": "14:00", "end_time": "15:00", "capacity": 1}
    page = client.get(reverse("rooms:finder"), given).content.decode()
    assert "prochain créneau ouvré" not in page and 'value="14:00"' in page
