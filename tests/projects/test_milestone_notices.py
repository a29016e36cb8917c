"""Milestone reminders (kind « projects », through notify(), so each agent's e-mail preference decides): an
open milestone drawing near, or late, reaches the project's responsables and the assignees of its live cards
who are still in the team, once per milestone and date; closed milestones and closed projects stay quiet.
The card page sets or clears a card's milestone (contributeurs and up; a reader gets 404)."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from intranet.notifications.actions import notification_preferences_set
from intranet.notifications.kinds import Delivery
from intranet.notifications.models import Notification
from projects import actions, milestones, notices
from projects.choices import MemberRole
from projects.models import Board, Card, Milestone

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=60)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def reader(make_user):
    return make_user("rita.lectrice")


@pytest.fixture
def ws(make_workspace, colleague, reader):
    return make_workspace(
        start_date=START, members={colleague: MemberRole.CONTRIBUTOR, reader: MemberRole.READER}
    )


@pytest.fixture
def board(ws):
    return Board.objects.get(workspace=ws)


def _milestone(ws, lead, name, date):
    return milestones.milestone_create(workspace=ws, name=name, date=date, actor=lead)


def _card(board, lead, title, milestone, assignees=()):
    card = actions.card_create(
        board=board, column=board.columns.first(), title=title, actor=lead, assignees=list(assignees)
    )
    milestones.card_milestone_set(card=card, milestone=milestone, actor=lead)
    return card


def _told(verb):
    return set(Notification.objects.filter(verb=verb).values_list("recipient__username", flat=True))


def test_soon_and_late_reach_responsables_and_assignees_once(ws, board, lead, colleague, reader):
    soon = _milestone(ws, lead, "Dossier DETR", TODAY + DAY)
    late = _milestone(ws, lead, "Choix du bureau d'études", TODAY - 3 * DAY)
    _milestone(ws, lead, "Réception", TODAY + 30 * DAY)  # too far: nothing
    _card(board, lead, "Plans", soon, assignees=[colleague])
    _card(board, lead, "Analyse", late, assignees=[colleague])

    assert notices.milestone_reminders(today=TODAY, days=2) == 4
    assert _told(notices.MILESTONE_SOON_VERB) == {"claire.lead", "paul.collegue"}
    assert _told(notices.MILESTONE_LATE_VERB) == {"claire.lead", "paul.collegue"}
    late_text = Notification.objects.filter(verb=notices.MILESTONE_LATE_VERB).values_list("text", flat=True)[
        0
    ]
    assert "« Choix du bureau d'études »" in late_text and "en retard" in late_text
    assert "rita.lectrice" not in _told(notices.MILESTONE_SOON_VERB)  # a reader with no card there
    # A second run the same day sends nothing.
    assert notices.milestone_reminders(today=TODAY, days=2) == 0
    # The next day « soon » is « today »: still the same milestone and date, nothing new.
    assert notices.milestone_reminders(today=TODAY + DAY, days=2) == 0
    # Moved to another date: reminded again.
    milestones.milestone_update(milestone=soon, name=soon.name, date=TODAY + 2 * DAY, actor=lead)
    assert notices.milestone_reminders(today=TODAY, days=2) == 2


def test_closed_milestones_closed_projects_and_leavers_are_quiet(ws, board, lead, colleague):
    done = _milestone(ws, lead, "Lancement", TODAY - DAY)
    milestones.milestone_close(milestone=done, actor=lead)
    assert notices.milestone_reminders(today=TODAY, days=2) == 0
    soon = _milestone(ws, lead, "Dossier DETR", TODAY)
    _card(board, lead, "Plans", soon, assignees=[colleague])
    actions.member_remove(workspace=ws, user=colleague, actor=lead)  # no longer in the team
    assert notices.milestone_reminders(today=TODAY, days=2) == 1
    assert _told(notices.MILESTONE_SOON_VERB) == {"claire.lead"}
    other = _milestone(ws, lead, "Autre", TODAY + DAY)
    actions.workspace_close(workspace=ws, actor=lead)
    assert notices.milestone_reminders(today=TODAY, days=2) == 0
    assert not Notification.objects.filter(url__contains=f"/jalons/{other.pk}/").exists()


def test_mail_follows_the_agents_preference(ws, board, lead, colleague, django_capture_on_commit_callbacks):
    notification_preferences_set(user=lead, choices={"projects": Delivery.IMMEDIATE})
    notification_preferences_set(user=colleague, choices={"projects": Delivery.NONE})
    soon = _milestone(ws, lead, "Dossier DETR", TODAY + DAY)
    _card(board, lead, "Plans", soon, assignees=[colleague])
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.milestone_reminders(today=TODAY, days=2) == 2
    assert [m.to for m in mail.outbox] == [[lead.email]]  # in-app for both, mail for the lead alone


def test_command_sends_milestone_reminders_once(ws, lead, capsys):
    # The command reads today's date itself: the milestone's date is read now, not at import (a run that
    # crossed midnight once saw it late), and a day ahead, so it is still « soon » if midnight passes here.
    _milestone(ws, lead, "Dossier DETR", timezone.localdate() + DAY)
    call_command("projects_due_reminders")
    call_command("projects_due_reminders")
    assert _told(notices.MILESTONE_SOON_VERB) == {"claire.lead"}
    assert "milestone reminders: 1 notification" in capsys.readouterr().out


# --- The card page's « Jalon » section ---------------------------------------------------------------------


def test_card_page_sets_and_clears_the_milestone(client, ws, board, lead, colleague, make_workspace):
    soon = _milestone(ws, lead, "Dossier DETR", TODAY + DAY)
    card = actions.card_create(board=board, column=board.columns.first(), title="Plans", actor=lead)
    client.force_login(colleague)
    page = client.get(reverse("projects:card", args=[card.pk])).content.decode()
    assert "Rattacher au jalon" in page and "Dossier DETR" in page
    url = reverse("projects:card_milestone", args=[card.pk])
    # Refusals: a milestone of another project, a closed one, a malformed value.
    foreign = _milestone(make_workspace(name="Autre", start_date=START), lead, "Ailleurs", TODAY)
    closed = _milestone(ws, lead, "Clos", TODAY)
    milestones.milestone_close(milestone=closed, actor=lead)
    for value, words in (
        (foreign.pk, "Choisissez un jalon"),
        (closed.pk, "est clos"),
        ("9" * 30, "Choisissez"),
    ):
        response = client.post(url, {"milestone": value}, follow=True)
        assert words in response.content.decode(), value
        assert Card.objects.get(pk=card.pk).milestone_id is None
    client.post(url, {"milestone": soon.pk})
    assert Card.objects.get(pk=card.pk).milestone_id == soon.pk
    page = client.get(reverse("projects:card", args=[card.pk])).content.decode()
    assert f'value="{soon.pk}" selected' in page
    client.post(url, {"milestone": ""})
    assert Card.objects.get(pk=card.pk).milestone_id is None


def test_card_milestone_is_404_for_readers_and_outsiders(client, ws, board, lead, reader, outsider):
    soon = _milestone(ws, lead, "Dossier DETR", TODAY + DAY)
    card = actions.card_create(board=board, column=board.columns.first(), title="Plans", actor=lead)
    url = reverse("projects:card_milestone", args=[card.pk])
    for user in (reader, outsider):
        client.force_login(user)
        assert client.post(url, {"milestone": soon.pk}).status_code == 404
    client.force_login(reader)
    page = client.get(reverse("projects:card", args=[card.pk])).content.decode()
    assert "Dossier DETR" not in page and "Rattacher au jalon" not in page
    client.force_login(lead)
    assert client.post(url, {"milestone": soon.pk}).status_code == 302
    assert Milestone.objects.get(pk=soon.pk).cards.get() == card
