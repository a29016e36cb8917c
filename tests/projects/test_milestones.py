"""Milestones: dated, one per card at most, never before the project start; closing with open cards needs a
responsable's explicit confirmation; reopening; the printable timeline marks late items in words."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from intranet.audit.models import AccessEvent
from projects import actions, milestones
from projects.choices import MemberRole
from projects.models import Board, Milestone

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=30)


@pytest.fixture
def reader(make_user):
    return make_user("rita.lectrice")


@pytest.fixture
def ws(make_workspace, colleague, reader):
    return make_workspace(
        start_date=START,
        members={colleague: MemberRole.CONTRIBUTOR, reader: MemberRole.READER},
    )


@pytest.fixture
def board(ws):
    return Board.objects.get(workspace=ws)


@pytest.fixture
def cards(board, lead):
    first, *_rest, last = list(board.columns.all())
    todo = actions.card_create(board=board, column=first, title="Recenser les communes", actor=lead)
    done = actions.card_create(board=board, column=last, title="Réunion de lancement", actor=lead)
    return todo, done


def test_milestone_before_project_start_is_refused_in_french(ws, lead):
    with pytest.raises(ValidationError) as exc:
        milestones.milestone_create(
            workspace=ws, name="Trop tôt", date=START - datetime.timedelta(days=1), actor=lead
        )
    assert "ne peut pas précéder le début du projet" in exc.value.messages[0]
    # The start date itself is allowed.
    assert milestones.milestone_create(workspace=ws, name="Lancement", date=START, actor=lead).pk


def test_milestone_page_refuses_early_date_with_a_400(client, ws, lead):
    client.force_login(lead)
    url = reverse("projects:milestones", args=[ws.pk])
    response = client.post(
        url, {"name": "Trop tôt", "date": (START - datetime.timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 400
    assert "ne peut pas précéder le début du projet" in response.content.decode()
    assert not Milestone.objects.exists()
    response = client.post(url, {"name": "Diagnostic rendu", "date": TODAY.isoformat()})
    assert response.status_code == 302
    assert Milestone.objects.get().name == "Diagnostic rendu"


def test_a_card_belongs_to_one_milestone_at_most(ws, lead, cards):
    todo, _done = cards
    m1 = milestones.milestone_create(workspace=ws, name="Diagnostic", date=TODAY, actor=lead)
    m2 = milestones.milestone_create(workspace=ws, name="Programme", date=TODAY, actor=lead)
    milestones.card_milestone_set(card=todo, milestone=m1, actor=lead)
    milestones.card_milestone_set(card=todo, milestone=m2, actor=lead)
    assert list(m1.cards.all()) == [] and list(m2.cards.all()) == [todo]


def test_a_card_cannot_join_another_projects_milestone(ws, lead, cards, make_workspace):
    other = make_workspace(name="Fibre des mairies")
    foreign = milestones.milestone_create(workspace=other, name="Raccordements", date=TODAY, actor=lead)
    with pytest.raises(ValidationError, match="autre projet"):
        milestones.card_milestone_set(card=cards[0], milestone=foreign, actor=lead)


def test_closing_with_open_cards_needs_a_responsables_confirmation(ws, lead, colleague, cards):
    todo, done = cards
    milestone = milestones.milestone_create(workspace=ws, name="Diagnostic", date=TODAY, actor=lead)
    for card in cards:
        milestones.card_milestone_set(card=card, milestone=milestone, actor=lead)
    with pytest.raises(milestones.MilestoneHasOpenCards) as exc:
        milestones.milestone_close(milestone=milestone, actor=lead)
    assert exc.value.cards == [todo]  # the card in the last column counts as done
    milestone.refresh_from_db()
    assert not milestone.closed
    with pytest.raises(ValidationError, match="Seul un responsable"):
        milestones.milestone_close(milestone=milestone, actor=colleague, confirm=True)
    milestones.milestone_close(milestone=milestone, actor=lead, confirm=True)
    milestone.refresh_from_db()
    assert milestone.closed and milestone.closed_by == lead
    event = AccessEvent.objects.filter(action="projects.milestone.close").get()
    assert event.extra == {"open_cards": [todo.pk], "confirmed": True}
    milestones.milestone_reopen(milestone=milestone, actor=lead)
    milestone.refresh_from_db()
    assert not milestone.closed


def test_closing_without_open_cards_needs_no_confirmation(ws, lead, cards):
    milestone = milestones.milestone_create(workspace=ws, name="Lancement", date=TODAY, actor=lead)
    milestones.card_milestone_set(card=cards[1], milestone=milestone, actor=lead)
    assert milestones.milestone_close(milestone=milestone, actor=lead).closed


def test_close_page_asks_for_confirmation_then_closes(client, ws, lead, cards):
    milestone = milestones.milestone_create(workspace=ws, name="Diagnostic", date=TODAY, actor=lead)
    milestones.card_milestone_set(card=cards[0], milestone=milestone, actor=lead)
    client.force_login(lead)
    url = reverse("projects:milestone_close", args=[milestone.pk])
    response = client.post(url)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Recenser les communes" in body and "Clore le jalon quand même" in body
    milestone.refresh_from_db()
    assert not milestone.closed
    assert client.post(url, {"confirm": "1"}).status_code == 302
    milestone.refresh_from_db()
    assert milestone.closed
    assert client.post(reverse("projects:milestone_reopen", args=[milestone.pk])).status_code == 302
    milestone.refresh_from_db()
    assert not milestone.closed


@pytest.mark.parametrize("who", ["reader", "colleague", "outsider"])
def test_only_responsables_manage_milestones(client, request, ws, lead, cards, who):
    milestone = milestones.milestone_create(workspace=ws, name="Diagnostic", date=TODAY, actor=lead)
    client.force_login(request.getfixturevalue(who))
    for name in ("milestone_close", "milestone_reopen", "milestone_delete"):
        assert client.post(reverse(f"projects:{name}", args=[milestone.pk])).status_code == 404, name
    edit = {"name": "Renommé", "date": TODAY.isoformat()}
    assert client.post(reverse("projects:milestone", args=[milestone.pk]), edit).status_code == 404
    assert client.post(reverse("projects:milestones", args=[ws.pk]), edit).status_code == 404
    attach = client.post(reverse("projects:milestone_attach", args=[milestone.pk]), {"card": cards[0].pk})
    assert attach.status_code == (302 if who == "colleague" else 404)  # contributors attach cards
    milestone.refresh_from_db()
    assert milestone.name == "Diagnostic" and not milestone.closed
    client.force_login(lead)  # control
    assert client.post(reverse("projects:milestone", args=[milestone.pk]), edit).status_code == 302


def test_start_date_cannot_move_after_a_milestone(ws, lead):
    milestones.milestone_create(
        workspace=ws, name="Diagnostic", date=START + datetime.timedelta(days=5), actor=lead
    )
    with pytest.raises(ValidationError, match="Diagnostic"):
        milestones.check_start_date(ws, START + datetime.timedelta(days=6))
    milestones.check_start_date(ws, START + datetime.timedelta(days=5))


def test_timeline_is_chronological_and_says_late_in_words(client, ws, lead, reader, cards, board):
    todo, done = cards
    late = milestones.milestone_create(
        workspace=ws, name="Jalon passé", date=TODAY - datetime.timedelta(days=2), actor=lead
    )
    milestones.milestone_create(
        workspace=ws, name="Jalon futur", date=TODAY + datetime.timedelta(days=40), actor=lead
    )
    for card, days in ((todo, -1), (done, -5)):
        actions.card_edit(
            card=card,
            version=card.version,
            actor=lead,
            title=card.title,
            due_date=TODAY + datetime.timedelta(days=days),
        )
    months = milestones.timeline(ws, today=TODAY)
    entries = [e for _month, items in months for e in items]
    assert [e.date for e in entries] == sorted(e.date for e in entries)
    late_titles = {e.title for e in entries if e.late}
    assert late_titles == {"Jalon passé", "Recenser les communes"}  # the done card is not late
    client.force_login(reader)
    response = client.get(reverse("projects:timeline", args=[ws.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("En retard</strong>") == 2
    assert "projects-plan.css" in body
    assert body.index("Réunion de lancement") < body.index("Jalon passé") < body.index("Jalon futur")
    assert late.name in body


def test_milestone_pages_query_counts_are_constant(client, ws, lead, board, django_assert_max_num_queries):
    column = board.columns.first()
    milestone = milestones.milestone_create(workspace=ws, name="Diagnostic", date=TODAY, actor=lead)
    for i in range(12):
        card = actions.card_create(board=board, column=column, title=f"Carte {i}", actor=lead)
        milestones.card_milestone_set(card=card, milestone=milestone, actor=lead)
        actions.card_edit(card=card, version=1, actor=lead, title=card.title, due_date=TODAY)
    client.force_login(lead)
    # session, user, workspace, role, then the page's own reads (constant in the number of cards)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("projects:timeline", args=[ws.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("projects:milestones", args=[ws.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("projects:milestone", args=[milestone.pk])).status_code == 200
