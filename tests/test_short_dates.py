"""Lists show short dates: « 1 nov. » in French, « 1 Nov » in English, the year only when it is not this one
(issue 19 part 8)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from intranet.templatetags.shortdates import short_date, short_datetime

PARIS = ZoneInfo("Europe/Paris")


def this_year():
    """Read when a test runs, not at import: a run that crosses New Year's midnight stays right."""
    return timezone.localdate().year


@pytest.mark.parametrize(
    ("language", "month", "day", "years_ago", "expected"),
    [
        ("fr", 11, 1, 0, "1 nov."),
        ("fr", 3, 9, 0, "9 mars"),
        ("fr", 2, 14, 0, "14 fév."),
        ("fr", 11, 1, 1, "1 nov. {year}"),
        ("en", 11, 1, 0, "1 Nov"),
        ("en", 11, 1, 1, "1 Nov {year}"),
    ],
)
def test_short_date(language, month, day, years_ago, expected):
    year = this_year() - years_ago
    with translation.override(language):
        assert short_date(date(year, month, day)) == expected.format(year=year)


def test_weekday_and_time():
    monday = date(2024, 11, 4)  # a Monday, another year
    with translation.override("fr"):
        assert short_date(monday, "weekday") == "lun. 4 nov. 2024"
        assert short_datetime(datetime(2024, 11, 4, 14, 30)) == "4 nov. 2024, 14:30"
    with translation.override("en"):
        assert short_date(monday, "weekday") == "Mon 4 Nov 2024"


def test_aware_datetime_is_shown_in_the_local_time_zone():
    """23:30 UTC on 31 October is 1 November at 00:30 in Paris."""
    moment = datetime(this_year(), 10, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    with translation.override("fr"), timezone.override(PARIS):
        out = Template("{% load shortdates %}{{ m|short_datetime }}").render(Context({"m": moment}))
    assert out == "1 nov., 00:30"


def test_anything_else_renders_empty():
    assert short_date(None) == "" and short_date("hier") == "" and short_datetime("") == ""


@pytest.mark.django_db
def test_notification_list_shows_short_dates(client, make_user):
    from intranet.notifications.actions import notify
    from intranet.notifications.models import Notification

    agent = make_user("marie.dupont")
    notify(recipients=[agent], verb="test", text="Bonjour")
    when = timezone.now() - timedelta(days=400)
    Notification.objects.filter(recipient=agent).update(created_at=when)
    client.force_login(agent)
    html = client.get(reverse("notifications:list")).content.decode()
    local = timezone.localtime(when)
    with translation.override("fr"):
        expected = short_datetime(local)
    assert expected in html and str(local.year) in expected
