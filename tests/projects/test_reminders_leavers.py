"""Reminders (due dates, milestones) never reach an agent who left the team or whose account was disabled:
they are chosen at send time among the active members, and the reminders a leaver already had (in the bell,
or waiting for the daily digest) go when they leave, so the digest never mails them."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from intranet.notifications.actions import notification_preferences_set
from intranet.notifications.digest import digest_send
from intranet.notifications.kinds import Delivery
from intranet.notifications.models import Notification
from intranet.people.leavers import user_deactivate
from projects import actions, milestones, notices
from projects.choices import MemberRole
from projects.models import Board

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def setup(make_workspace, colleague, make_user):
    deputy = make_user("dina.adjointe")
    ws = make_workspace(
        start_date=TODAY - 30 * DAY,
        members={colleague: MemberRole.CONTRIBUTOR, deputy: MemberRole.MANAGER},
    )
    board = Board.objects.get(workspace=ws)
    soon = milestones.milestone_create(workspace=ws, name="Dossier DETR", date=TODAY + DAY, actor=ws.lead)
    card = actions.card_create(
        board=board,
        column=board.columns.first(),
        title="Plans du carrefour",
        actor=ws.lead,
        due_date=TODAY + DAY,
        assignees=[colleague, deputy],
    )
    milestones.card_milestone_set(card=card, milestone=soon, actor=ws.lead)
    return ws, soon, card, deputy


def _told(verb):
    return set(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


def test_disabled_agents_get_no_reminder(setup, lead, colleague):
    _ws, _soon, _card, deputy = setup
    user_deactivate(user=deputy, reason="Départ", actor=lead)  # a responsable and an assignee
    user_deactivate(user=colleague, reason="Départ", actor=lead)  # an assignee
    assert notices.milestone_reminders(today=TODAY, days=2) == 1
    assert _told(notices.MILESTONE_SOON_VERB) == {"claire.lead"}
    assert notices.due_reminders(today=TODAY, days=2) == 0  # the card's two assignees are both disabled
    assert _told(notices.DUE_VERB) == set()


def test_removed_member_gets_no_reminder_at_send_time(setup, lead, colleague):
    ws, _soon, _card, deputy = setup
    actions.member_remove(workspace=ws, user=deputy, actor=lead)
    actions.member_remove(workspace=ws, user=colleague, actor=lead)
    assert notices.milestone_reminders(today=TODAY, days=2) == 1
    assert _told(notices.MILESTONE_SOON_VERB) == {"claire.lead"}
    assert notices.due_reminders(today=TODAY, days=2) == 0
    # Control: a member who comes back is reminded again (the reminder was never sent to them).
    actions.member_set(workspace=ws, user=deputy, role=MemberRole.MANAGER, actor=lead, notify_member=False)
    assert notices.milestone_reminders(today=TODAY, days=2) == 1
    assert _told(notices.MILESTONE_SOON_VERB) == {"claire.lead", "dina.adjointe"}


def test_leaver_pending_reminders_are_dropped_from_bell_and_digest(setup, lead, colleague, make_workspace):
    ws, soon, _card, deputy = setup
    for agent in (deputy, colleague, lead):
        notification_preferences_set(user=agent, choices={"projects": Delivery.DIGEST})
    # The same agent in another project, reminded there too: that reminder stays.
    elsewhere = make_workspace(name="Plan climat", start_date=TODAY, members={deputy: MemberRole.MANAGER})
    diagnostic = milestones.milestone_create(workspace=elsewhere, name="Diagnostic", date=TODAY, actor=lead)
    assert notices.milestone_reminders(today=TODAY, days=2) == 5  # lead and deputy twice, colleague once
    assert notices.due_reminders(today=TODAY, days=2) == 2
    assert Notification.objects.filter(recipient=deputy).count() == 4  # assigned, due, two milestones

    actions.member_remove(workspace=ws, user=deputy, actor=lead)

    left = set(Notification.objects.filter(recipient=deputy).values_list("verb", "url"))
    assert left == {(notices.MILESTONE_SOON_VERB, notices.milestone_url(diagnostic.pk, TODAY, late=False))}
    mail.outbox.clear()
    digest_send()
    mailed_to_deputy = [m for m in mail.outbox if m.to == [deputy.email]]
    assert len(mailed_to_deputy) == 1
    body = mailed_to_deputy[0].body
    assert "Diagnostic" in body and "Dossier DETR" not in body and "Plans du carrefour" not in body
    # Control: the lead and the colleague still in the team get theirs.
    lead_mail = [m for m in mail.outbox if m.to == [lead.email]]
    assert len(lead_mail) == 1 and "Dossier DETR" in lead_mail[0].body
