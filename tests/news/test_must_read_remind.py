"""`manage.py must_read_remind`: after the configured delay, a notification to each agent of the audience
who has not acknowledged; never twice the same day; again after the interval."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone

from intranet.news.actions import acknowledgement_record, must_read_reminders_send
from intranet.notifications.models import Notification

pytestmark = pytest.mark.django_db


@override_settings(MUST_READ_REMINDER_DAYS=3, MUST_READ_REMINDER_INTERVAL_DAYS=2)
def test_reminders_go_to_who_has_not_read(portal, publish):
    page = publish(
        "Charte",
        must_read=True,
        due=timezone.localdate() + timedelta(days=5),
        days_ago=4,
        organisations=[portal.bailleul, portal.cassel],
    )
    publish("Trop récente", must_read=True, days_ago=1)
    publish("Pas obligatoire", days_ago=10)
    acknowledgement_record(page=page, user=portal.bailleul_agent)

    out = io.StringIO()
    call_command("must_read_remind", stdout=out)
    assert "1 relance(s) envoyée(s)." in out.getvalue()
    reminded = Notification.objects.get(verb="news.must_read")
    assert reminded.recipient == portal.cassel_agent
    assert reminded.url == page.url and "« Charte »" in reminded.text

    # Idempotent: a second run the same day sends nothing.
    assert must_read_reminders_send() == 0
    # The next day is inside the interval; the day after, the agent is reminded again.
    today = timezone.localdate()
    assert must_read_reminders_send(today=today + timedelta(days=1)) == 0
    assert must_read_reminders_send(today=today + timedelta(days=2)) == 1
    assert Notification.objects.filter(verb="news.must_read").count() == 2


@override_settings(MUST_READ_REMINDER_DAYS=0)
def test_everyone_acknowledged_means_no_reminder(portal, publish):
    page = publish("Charte", must_read=True, organisations=[portal.cassel])
    acknowledgement_record(page=page, user=portal.cassel_agent)
    assert must_read_reminders_send() == 0
    assert not Notification.objects.filter(verb="news.must_read").exists()
