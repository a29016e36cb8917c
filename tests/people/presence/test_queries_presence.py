"""Who works where on a given day, from the weekly pattern and the absences, with a fixed clock."""

from datetime import date, timedelta

import pytest

from intranet.people.choices import PresenceStatus
from intranet.people.presence import clamp_day, presence_entries

from .conftest import WEDNESDAY

pytestmark = pytest.mark.django_db


def _statuses(day, department=None) -> dict:
    return {e.person.username: e for e in presence_entries(day, department)}


def test_weekly_pattern_gives_office_remote_off_and_unknown(week):
    """Office days → at the office; remote days → remote; neither on a weekday → not working, unless the agent
    gave no pattern at all (unknown); the weekend is off."""
    wed = _statuses(WEDNESDAY)
    assert wed["helene.lefebvre"].status == PresenceStatus.REMOTE
    assert wed["francois.deswarte"].status == PresenceStatus.UNKNOWN
    thu = _statuses(WEDNESDAY + timedelta(days=1))
    assert thu["helene.lefebvre"].status == PresenceStatus.OFFICE
    assert thu["paul.dewitte"].status == PresenceStatus.OFF
    sat = _statuses(WEDNESDAY + timedelta(days=3))
    assert sat["helene.lefebvre"].status == PresenceStatus.OFF


def test_absences_win_over_the_pattern_with_dates_only_when_shown(week):
    """Noël (dates shown) is away until Friday with Paul as contact; Paul (dates hidden) is away, no date."""
    wed = _statuses(WEDNESDAY)
    noel, paul = wed["noel.vanhee"], wed["paul.dewitte"]
    assert noel.status == PresenceStatus.ABSENT and noel.until == date(2026, 12, 11)
    assert noel.backup.username == "paul.dewitte"
    assert paul.status == PresenceStatus.ABSENT and paul.until is None
    # The day after Noël's last day he is back at the office.
    monday = _statuses(date(2026, 12, 14))
    assert monday["noel.vanhee"].status == PresenceStatus.OFFICE


def test_profile_absent_until_counts_from_today(week):
    """The profile's « absent·e jusqu'au » is an absence from today to that day, not before today."""
    week.helene.absent_until = WEDNESDAY + timedelta(days=1)
    week.helene.save()
    assert _statuses(WEDNESDAY)["helene.lefebvre"].until == WEDNESDAY + timedelta(days=1)
    assert _statuses(WEDNESDAY - timedelta(days=2))["helene.lefebvre"].status == PresenceStatus.OFFICE


def test_department_filter_includes_sub_services_and_leaver_never_listed(week):
    names = set(_statuses(WEDNESDAY, week.amenagement))
    assert names == {"francois.deswarte", "helene.lefebvre", "noel.vanhee", "paul.dewitte"}


def test_days_far_away_fall_back_to_today(frozen):
    assert clamp_day(WEDNESDAY + timedelta(days=400)) == WEDNESDAY
    assert clamp_day(WEDNESDAY + timedelta(days=7)) == WEDNESDAY + timedelta(days=7)


def test_entries_cost_two_queries_whatever_the_number_of_agents(week, make_user, django_assert_num_queries):
    with django_assert_num_queries(2):
        presence_entries(WEDNESDAY)
    for i in range(15):
        make_user(f"extra{i}", office_days=[3])
    with django_assert_num_queries(2):
        assert len(presence_entries(WEDNESDAY)) >= 20
