"""Lists show short dates: « 1 nov. » in French, « 1 Nov » in English, the year only when it is not this one
(issue 19 part 8)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from intranet.templatetags.shortdates import short_date, short_datetime

THIS_YEAR = timezone.localdate().year
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("fr", date(THIS_YEAR, 11, 1), "1 nov."),
        ("fr", date(THIS_YEAR, 3, 9), "9 mars"),
        ("fr", date(THIS_YEAR, 2, 14), "14 fév."),
        ("fr", date(THIS_YEAR - 1, 11, 1), f"1 nov. {THIS_YEAR - 1}"),
        ("en", date(THIS_YEAR, 11, 1), "1 Nov"),
        ("en", date(THIS_YEAR - 1, 11, 1), f"1 Nov {THIS_YEAR - 1}"),
    ],
)
def test_short_date(language, value, expected):
    with translation.override(language):
        assert short_date(value) == expected


def test_weekday_and_time():
    monday = date(2024, 11, 4)  # a Monday, another year
    with translation.override("fr"):
        assert short_date(monday, "weekday") == "lun. 4 nov. 2024"
        assert short_datetime(datetime(2024, 11, 4, 14, 30)) == "4 nov. 2024, 14:30"
    with translation.override("en"):
        assert short_date(monday, "weekday") == "Mon 4 Nov 2024"


def test_aware_datetime_is_shown_in_the_local_time_zone():
    """23:30 UTC on 31 October is 1 November at 00:30 in Paris."""
    moment = datetime(THIS_YEAR, 10, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
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
