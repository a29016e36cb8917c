"""Notification e-mails go through the outbox (R12): recorded in notify()'s transaction, sent at commit,
retried after an SMTP failure, visible to IT while failing, never lost and never sent twice."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from intranet.notifications.actions import notify
from intranet.notifications.models import Notification
from intranet.notifications.outbox import EMAIL_KIND
from intranet.outbox.actions import outbox_retry_now
from intranet.outbox.models import OutboxItem
from intranet.outbox.queries import outbox_failing, outbox_summary
from intranet.outbox.registry import DEFAULT_QUEUE
from intranet.outbox.worker import run_due

pytestmark = pytest.mark.django_db

LOCMEM = mail.get_connection().__class__


def _request(recipients):
    return notify(recipients=recipients, verb="rooms.request", text="Demande à valider", url="/", email=True)


def test_the_email_is_an_outbox_row_of_notifys_transaction(agent):
    """A cause that rolls back takes its notification and its e-mail row with it; one that commits, both."""
    with pytest.raises(RuntimeError), transaction.atomic():
        _request([agent])
        raise RuntimeError("the booking fails after notify()")
    assert not Notification.objects.exists() and not OutboxItem.objects.exists()
    (n,) = _request([agent])
    (item,) = OutboxItem.objects.all()
    assert (item.kind, item.queue, item.payload) == (EMAIL_KIND, DEFAULT_QUEUE, {"ids": [n.pk]})
    assert mail.outbox == []  # not before commit


def test_sent_at_commit_and_the_row_is_done(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = _request([agent])
    assert [m.to for m in mail.outbox] == [[agent.email]]
    n.refresh_from_db()
    assert n.emailed and OutboxItem.objects.get().done_at is not None
    assert run_due(queue=DEFAULT_QUEUE) == (0, 0) and len(mail.outbox) == 1


def test_an_smtp_failure_is_retried_and_nothing_is_lost_or_sent_twice(
    agent, make_user, django_capture_on_commit_callbacks
):
    """Three recipients, the server refuses the second: the others go out at commit, the row stays failing for
    IT with the error, and the worker's retry sends the second one only."""
    second, third = make_user(), make_user()
    real_send = LOCMEM.send_messages

    def refuse_second(self, messages):
        if messages[0].to == [second.email]:
            raise OSError("421 service not available")
        return real_send(self, messages)

    with mock.patch.object(LOCMEM, "send_messages", refuse_second):
        with django_capture_on_commit_callbacks(execute=True):
            _request([agent, second, third])
        assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, third.email])
        (item,) = outbox_failing()
        assert item.kind == EMAIL_KIND and item.attempts == 1 and "421" in item.last_error
        assert outbox_summary() == [
            {"kind": EMAIL_KIND, "waiting": 1, "failing": 1, "oldest": item.created_at}
        ]
        assert run_due(queue=DEFAULT_QUEUE) == (0, 0)  # in backoff: not due yet
        outbox_retry_now(ids=[item.pk])
        assert run_due(queue=DEFAULT_QUEUE) == (0, 1)  # still refused: retried again later, kept
    outbox_retry_now(ids=[item.pk])
    assert run_due(queue=DEFAULT_QUEUE) == (1, 0)  # the server is back
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, second.email, third.email])
    assert not Notification.objects.filter(emailed=False).exists()
    item.refresh_from_db()
    assert item.done_at is not None and item.attempts == 3
    assert run_due(queue=DEFAULT_QUEUE) == (0, 0) and len(mail.outbox) == 3


def test_a_task_that_could_not_run_leaves_the_row_to_the_worker(agent, django_capture_on_commit_callbacks):
    """After-commit head start lost (task queue down): the e-mail waits in the outbox for the worker."""
    broken = mock.Mock(**{"enqueue.side_effect": ConnectionError("file des tâches injoignable")})
    with (
        mock.patch("intranet.outbox.tasks.outbox_perform", broken),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _request([agent])  # robust on_commit: the cause is not turned into an error
    assert broken.enqueue.called and mail.outbox == []
    assert run_due(queue=DEFAULT_QUEUE) == (1, 0)
    assert [m.to for m in mail.outbox] == [[agent.email]]
