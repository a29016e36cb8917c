"""Overdue reviews notify the guide's owner, once a day at most, again after the configured interval."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from intranet.notifications.models import Notification
from kotje.actions import review_remind
from kotje.models import ReviewReminder

pytestmark = pytest.mark.django_db

DUE = date(2027, 1, 10)  # « Poser un congé » is due for review on this day


def test_overdue_review_notifies_the_owner(kotje, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = review_remind(today=date(2027, 1, 11))
    assert [r.guide_id for r in sent] == [kotje.conge.pk]
    notification = Notification.objects.get()
    assert notification.recipient == kotje.owner
    assert "« Poser un congé » devait être relu le 10 janvier 2027" in notification.text
    assert notification.url == "/kotje/rh/poser-un-conge/"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [kotje.owner.email]


def test_review_not_yet_due_sends_nothing(kotje):
    assert review_remind(today=date(2027, 1, 9)) == []
    assert not Notification.objects.exists()


def test_reminder_is_sent_once_a_day(kotje):
    """Running the command twice the same day sends one reminder; the next days too, until the interval."""
    review_remind(today=DUE)
    assert review_remind(today=DUE) == []
    assert review_remind(today=date(2027, 1, 12)) == []
    assert Notification.objects.count() == 1


def test_reminder_comes_back_after_interval(kotje, settings):
    settings.KOTJE_REVIEW_REMINDER_INTERVAL_DAYS = 7
    review_remind(today=DUE)
    assert review_remind(today=date(2027, 1, 16)) == []
    assert len(review_remind(today=date(2027, 1, 17))) == 1
    assert Notification.objects.count() == 2
    assert ReviewReminder.objects.count() == 2


def test_department_owner_reminder_goes_to_its_head(kotje, make_user):
    head = make_user("chef.ec", employer=kotje.bailleul, department=kotje.bailleul_ec)
    kotje.bailleul_ec.head = head
    kotje.bailleul_ec.save()
    guide = kotje.bailleul_only
    guide.next_review_on = date(2027, 1, 1)
    guide.save()
    review_remind(today=date(2027, 1, 2))
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["chef.ec"]


def test_department_owner_without_head_reminds_its_agents(kotje):
    guide = kotje.bailleul_only
    guide.next_review_on = date(2027, 1, 1)
    guide.save()
    review_remind(today=date(2027, 1, 2))
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["amandine.cordier"]


def test_unpublished_guide_is_not_reminded(kotje):
    kotje.conge.unpublish()
    assert review_remind(today=date(2027, 2, 1)) == []


def test_command_is_idempotent(kotje):
    out = StringIO()
    call_command("kotje_review_remind", "--date", "2027-01-20", stdout=out)
    assert "1 rappel(s) de relecture envoyé(s)." in out.getvalue()
    out = StringIO()
    call_command("kotje_review_remind", "--date", "2027-01-20", stdout=out)
    assert "0 rappel(s) de relecture envoyé(s)." in out.getvalue()


def test_command_refuses_bad_date(kotje):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Date invalide « 20/01/2027 » : utilisez le format AAAA-MM-JJ."):
        call_command("kotje_review_remind", "--date", "20/01/2027")
