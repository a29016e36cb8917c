"""The daily digest: one e-mail per agent, grouped, through the outbox (retried, visible), never twice."""

from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from intranet.notifications.actions import notification_preferences_set, notify
from intranet.notifications.digest import digest_send
from intranet.notifications.kinds import Delivery, Kind
from intranet.notifications.models import Notification
from intranet.notifications.outbox import DIGEST_KIND
from intranet.outbox.actions import outbox_retry_now
from intranet.outbox.models import OutboxItem
from intranet.outbox.queries import outbox_failing
from intranet.outbox.registry import DEFAULT_QUEUE
from intranet.outbox.worker import run_due

pytestmark = pytest.mark.django_db


def _versions(user, n, place="Finances"):
    for i in range(n):
        notify(
            recipients=[user],
            verb="ged.version",
            text=f"Nouvelle version {i + 2} de « Budget ».",
            url="/documents/d/1/",
            email=True,
            place=place,
        )


def test_a_digest_of_n_events_is_one_email_grouped_by_place(agent):
    _versions(agent, 3)
    _versions(agent, 1, place="Ressources humaines")
    notify(
        recipients=[agent],
        verb="chat.mention",
        text="Paul vous a mentionné·e",
        url="/",
        email=True,
        place="PLUi",
    )
    result = digest_send()
    assert (result.mails, result.notifications) == (1, 5)
    (message,) = mail.outbox
    assert message.to == [agent.email] and "5 notifications" in message.subject
    assert "3 nouvelles versions dans Finances" in message.body
    assert "1 nouvelle version dans Ressources humaines" in message.body
    assert "1 mention dans « PLUi »" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8000/compte/notifications/"
    )
    assert not Notification.objects.digest_pending().exists()
    assert Notification.objects.filter(emailed=True).count() == 5


def test_running_the_digest_twice_sends_nothing_more(agent):
    _versions(agent, 2)
    assert digest_send().mails == 1
    assert digest_send().mails == 0
    call_command("notifications_digest", stdout=mock.Mock())
    assert len(mail.outbox) == 1


def test_one_email_per_agent_and_only_digest_rows(agent, make_user, django_capture_on_commit_callbacks):
    other = make_user()
    notification_preferences_set(user=other, choices={Kind.DOCUMENTS: Delivery.IMMEDIATE})
    with django_capture_on_commit_callbacks(execute=True):
        _versions(agent, 2)
        _versions(other, 2)  # mailed at once, not in a digest
    assert len(mail.outbox) == 2
    mail.outbox.clear()
    assert digest_send().mails == 1
    assert [m.to for m in mail.outbox] == [[agent.email]]


def test_a_failed_send_keeps_the_rows_in_the_outbox_for_the_worker(agent, make_user):
    """The mail server refuses the first agent's digest: the other agent's goes out, the first stays pending
    in a failing outbox row (no second row on the next run), and the worker's retry sends it once."""
    other = make_user()
    _versions(agent, 2)
    _versions(other, 1)
    real_send = mail.get_connection().__class__.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("serveur de courriel injoignable")
        return real_send(self, messages)

    with mock.patch.object(mail.get_connection().__class__, "send_messages", flaky):
        result = digest_send()
    assert (result.mails, result.failed) == (1, 1)
    # Agents go in id order: the first (two rows) failed and keeps them intact; the other was sent.
    assert (
        list(Notification.objects.digest_pending().values_list("recipient_id", flat=True)) == [agent.pk] * 2
    )
    (failing,) = outbox_failing()
    assert failing.kind == DIGEST_KIND and "injoignable" in failing.last_error
    outbox_retry_now(ids=[failing.pk])
    with (
        pytest.raises(CommandError, match="outbox_worker"),
        mock.patch.object(mail.get_connection().__class__, "send_messages", side_effect=OSError("hs")),
    ):
        call_command("notifications_digest", stdout=mock.Mock())
    # The command tried the waiting row again (it was due) rather than writing a second one.
    assert OutboxItem.objects.filter(kind=DIGEST_KIND, done_at__isnull=True).count() == 1
    assert Notification.objects.digest_pending().count() == 2
    outbox_retry_now(ids=[failing.pk])
    assert run_due(queue=DEFAULT_QUEUE) == (1, 0)  # the server is back: the worker sends it
    assert [m.to for m in mail.outbox] == [[other.email], [agent.email]]
    assert "2 nouvelles versions" in mail.outbox[1].body
    assert not Notification.objects.digest_pending().exists() and not outbox_failing().exists()
    assert digest_send().mails == 0 and len(mail.outbox) == 2


def test_a_kind_turned_off_since_is_not_mailed(agent):
    _versions(agent, 2)
    notify(recipients=[agent], verb="chat.mention", text="Mention", url="/", email=True, place="PLUi")
    notification_preferences_set(user=agent, choices={Kind.DOCUMENTS: Delivery.NONE})
    result = digest_send()
    assert (result.mails, result.notifications, result.dropped) == (1, 1, 2)
    assert "Budget" not in mail.outbox[0].body
    assert digest_send().mails == 0


def test_an_agent_without_address_or_gone_gets_nothing_and_nothing_stays_pending(agent, make_user):
    gone = make_user()
    _versions(agent, 1)
    _versions(gone, 1)
    agent.email = ""
    agent.save(update_fields=["email"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert digest_send().mails == 0 and mail.outbox == []
    assert not Notification.objects.digest_pending().exists()
