"""Series: bounded expansion, DST-stable wall-clock times, hostile rules, per-occurrence conflicts."""

import time as clock
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from rooms.actions import (
    booking_request,
    booking_update,
    series_cancel_following,
    series_create,
    series_preview,
    series_update_following,
)
from rooms.choices import BookingStatus, Frequency
from rooms.models import Booking
from rooms.recurrence import SeriesRule, expand, local_datetime, parse_rrule, to_local

from .conftest import slot, working_day


def test_weekly_nine_oclock_stays_nine_across_both_dst_changes():
    """Weekly 09:00–10:00 from October 2026 to April 2027 (changes on 2026-10-25 and 2027-03-28)."""
    rule = SeriesRule(
        frequency=Frequency.WEEKLY, first_date=date(2026, 10, 19), weekdays=[1], until=date(2027, 4, 5)
    )
    dates = expand(rule)
    assert date(2026, 10, 26) in dates and date(2027, 3, 29) in dates
    starts = [local_datetime(d, time(9)) for d in dates]
    assert {to_local(s).strftime("%H:%M") for s in starts} == {"09:00"}
    utc_hours = {s.utcoffset() for s in starts}
    assert {to_local(s).utcoffset() for s in starts} == {timedelta(hours=1), timedelta(hours=2)}
    assert utc_hours == {timedelta(0)}


def test_series_created_across_march_change_keeps_local_time(world):
    # Tuesdays: Monday 29 March 2027 is Easter Monday, closed by the default booking policy.
    first = date(2027, 3, 16)
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=first, weekdays=[2], count=4)
    series, created = series_create(
        room=world.small,
        requester=world.agent,
        title="Hebdo",
        rule=rule,
        start_time=time(9),
        end_time=time(10),
        attendees=3,
    )
    assert len(created) == 4
    assert [to_local(b.start).strftime("%H:%M") for b in created] == ["09:00"] * 4
    assert to_local(created[1].start).utcoffset() != to_local(created[2].start).utcoffset()


HOSTILE = [
    "FREQ=SECONDLY;COUNT=1000000000",
    "FREQ=MINUTELY;COUNT=10",
    "FREQ=HOURLY;UNTIL=20270101",
    "FREQ=DAILY;COUNT=1000000000",
    "FREQ=DAILY",
    "FREQ=WEEKLY;UNTIL=100000101",
    "FREQ=DAILY;UNTIL=99991231",
    "FREQ=DAILY;UNTIL=2027-13-45",
    "FREQ=DAILY;COUNT=5;COUNT=6",
    "FREQ=WEEKLY;BYDAY=MO,MO,MO,TU,WE,TH,FR,SA,SU;COUNT=5",
    "FREQ=WEEKLY;BYDAY=1MO;COUNT=5",
    "FREQ=MONTHLY;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10;COUNT=5",
    "FREQ=YEARLY;COUNT=5",
    "FREQ=DAILY;INTERVAL=0;COUNT=5",
    "FREQ=DAILY;COUNT=-1",
    "FREQ=DAILY;COUNT=5\nRRULE:FREQ=SECONDLY",
    "FREQ=DAILY;" + "X" * 300,
    "",
    ";;;",
    "FREQ=DAILY;COUNT=300",
    "FREQ=DAILY;INTERVAL=1;UNTIL=20290101",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_rrules_are_refused_quickly_in_french(text):
    t0 = clock.perf_counter()
    with pytest.raises(ValidationError) as exc:
        rule = parse_rrule(text, date(2027, 1, 4))
        expand(rule)
    assert clock.perf_counter() - t0 < 1
    message = " ".join(exc.value.messages)
    assert (
        message and message[0].isupper() and not message.isascii() or "FREQ" in message or "BYDAY" in message
    )


def test_supported_rrule_is_accepted():
    rule = parse_rrule("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10", date(2027, 1, 4))
    assert len(expand(rule)) == 10


def test_series_crossing_a_year_is_refused():
    with pytest.raises(ValidationError) as exc:
        expand(SeriesRule(frequency=Frequency.WEEKLY, first_date=date(2027, 1, 4), until=date(2028, 3, 1)))
    assert "un an" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        expand(SeriesRule(frequency=Frequency.MONTHLY, first_date=date(2027, 1, 4), count=20))
    with pytest.raises(ValidationError) as exc:
        expand(SeriesRule(frequency=Frequency.DAILY, first_date=date(2027, 1, 4), until=date(2027, 12, 31)))
    assert "200" in exc.value.messages[0]


def test_preview_reports_each_conflicting_occurrence_and_alternatives(world):
    day = working_day(7)
    taken = booking_request(
        room=world.small,
        requester=world.other,
        title="Déjà là",
        start=slot(day + timedelta(days=7), "10:00", "11:00")[0],
        end=slot(day + timedelta(days=7), "10:00", "11:00")[1],
    )
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=day, count=3)
    occ = series_preview(
        room=world.small,
        requester=world.agent,
        rule=rule,
        start_time=time(10),
        end_time=time(11),
        attendees=2,
    )
    assert [o.free for o in occ] == [True, False, True]
    assert occ[1].clash == [taken] and world.medium in occ[1].alternatives


def test_series_books_free_dates_and_moves_a_conflicting_one_to_another_room(world):
    day = working_day(7)
    second = day + timedelta(days=7)
    booking_request(
        room=world.small,
        requester=world.other,
        title="Déjà là",
        start=slot(second, "10:00", "11:00")[0],
        end=slot(second, "10:00", "11:00")[1],
    )
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=day, count=3)
    series, created = series_create(
        room=world.small,
        requester=world.agent,
        title="Hebdo",
        rule=rule,
        start_time=time(10),
        end_time=time(11),
        attendees=2,
        other_rooms={second: world.medium.pk},
    )
    assert [b.room for b in created] == [world.small, world.medium, world.small]
    # skipping instead
    rule2 = SeriesRule(frequency=Frequency.WEEKLY, first_date=day, count=3)
    with pytest.raises(ValidationError):
        series_create(
            room=world.small,
            requester=world.agent,
            title="x",
            rule=rule2,
            start_time=time(10),
            end_time=time(11),
            attendees=2,
        )  # every date now taken


def test_edit_one_occurrence_then_cancel_this_and_following(world):
    day = working_day(7)
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=day, count=4)
    series, created = series_create(
        room=world.small,
        requester=world.agent,
        title="Hebdo",
        rule=rule,
        start_time=time(10),
        end_time=time(11),
        attendees=2,
    )
    second = created[1]
    s, e = slot(to_local(second.start).date(), "14:00", "15:00")
    booking_update(booking=second, actor=world.agent, title="Déplacée", start=s, end=e, attendees=2)
    second.refresh_from_db()
    assert to_local(second.start).hour == 14 and second.title == "Déplacée"
    assert series_cancel_following(booking=created[2], actor=world.agent) == 2
    statuses = list(Booking.objects.filter(series=series).order_by("start").values_list("status", flat=True))
    assert statuses == ["approved", "approved", "cancelled", "cancelled"]
    with pytest.raises(Http404):
        series_cancel_following(booking=created[0], actor=world.other)


def test_update_following_moves_all_or_nothing(world):
    day = working_day(7)
    rule = SeriesRule(frequency=Frequency.WEEKLY, first_date=day, count=3)
    _series, created = series_create(
        room=world.small,
        requester=world.agent,
        title="Hebdo",
        rule=rule,
        start_time=time(10),
        end_time=time(11),
        attendees=2,
    )
    last_day = to_local(created[2].start).date()
    booking_request(
        room=world.small,
        requester=world.other,
        title="Bloque",
        start=slot(last_day, "15:00", "16:00")[0],
        end=slot(last_day, "15:00", "16:00")[1],
    )
    with pytest.raises(ValidationError) as exc:
        series_update_following(booking=created[1], actor=world.agent, start_time=time(15), end_time=time(16))
    assert "Rien n'a été modifié" in exc.value.messages[0]
    assert all(to_local(b.start).hour == 10 for b in Booking.objects.filter(series=_series))
    assert (
        series_update_following(booking=created[1], actor=world.agent, start_time=time(13), end_time=time(14))
        == 2
    )
    hours = [to_local(b.start).hour for b in Booking.objects.filter(series=_series).order_by("start")]
    assert hours == [10, 13, 13]


def test_series_in_room_requiring_approval_is_pending(world):
    rule = SeriesRule(frequency=Frequency.DAILY, first_date=working_day(7), count=2)
    _s, created = series_create(
        room=world.approval,
        requester=world.agent,
        title="x",
        rule=rule,
        start_time=time(10),
        end_time=time(11),
        attendees=2,
    )
    assert {b.status for b in created} == {BookingStatus.PENDING}
