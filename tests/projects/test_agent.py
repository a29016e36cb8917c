"""The agent's own view on projects: « Mes tâches » (filters, panel, query count at 10 and 1,000 cards), the
signed iCalendar feed, notifications (assignment, mentions, due reminders), the portfolio and its CSV, the
department section and the search source."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from intranet.notifications.models import Notification
from projects import actions, agent, notices
from projects.choices import MemberRole, Visibility
from projects.models import Board, Card

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(make_workspace, colleague):
    return make_workspace(visibility=Visibility.PRIVATE, members={colleague: MemberRole.CONTRIBUTOR})


@pytest.fixture
def board(ws):
    return Board.objects.get(workspace=ws)


def _card(board, lead, title, *, due=None, assignees=(), column=None):
    card = actions.card_create(
        board=board, column=column or board.columns.first(), title=title, actor=lead, due_date=due
    )
    if assignees:
        card = actions.card_edit(
            card=card, version=card.version, actor=lead, title=title, due_date=due, assignees=list(assignees)
        )
    return card


def _bulk_cards(board, user, n, today):
    """n cards assigned to `user`, written in bulk (the query-count test needs 1,000 of them quickly)."""
    column = board.columns.first()
    cards = Card.objects.bulk_create(
        [
            Card(
                board=board,
                column=column,
                position=i,
                title=f"Tâche {i}",
                due_date=today + datetime.timedelta(i % 20),
            )
            for i in range(n)
        ]
    )
    Card.assignees.through.objects.bulk_create(
        [Card.assignees.through(card_id=c.pk, user_id=user.pk) for c in cards]
    )
    label = actions.label_create(board=board, name=f"L{n}", actor=board.workspace.lead)
    Card.labels.through.objects.bulk_create(
        [Card.labels.through(card_id=c.pk, label_id=label.pk) for c in cards]
    )


# --- « Mes tâches » ---------------------------------------------------------------------------------------


def test_my_tasks_due_filters(client, lead, colleague, board):
    today = timezone.localdate()
    late = _card(board, lead, "Relevé tardif", due=today - datetime.timedelta(days=1), assignees=[colleague])
    soon = _card(board, lead, "Réunion proche", due=today + datetime.timedelta(days=3), assignees=[colleague])
    far = today + datetime.timedelta(days=30)
    later = _card(board, lead, "Étude lointaine", due=far, assignees=[colleague])
    none = _card(board, lead, "Note libre", assignees=[colleague])
    _card(board, lead, "Pas à moi", due=today)
    client.force_login(colleague)
    url = reverse("projects:my_tasks")
    expected = {"retard": late, "semaine": soon, "plus-tard": later, "sans": none}
    for value, card in expected.items():
        html = client.get(url, {"echeance": value}).content.decode()
        shown = [c.title for c in (late, soon, later, none) if f">{c.title}<" in html]
        assert shown == [card.title], value
    html = client.get(url, {"echeance": "n'importe quoi"}).content.decode()
    assert all(f">{c.title}<" in html for c in (late, soon, later, none))
    assert ">Pas à moi<" not in html


def test_my_tasks_query_count_is_the_same_at_10_and_1000_cards(
    client, colleague, board, django_assert_num_queries
):
    today = timezone.localdate()
    _bulk_cards(board, colleague, 10, today)
    client.force_login(colleague)
    url = reverse("projects:my_tasks")
    client.get(url)  # warm the base page's cached fragments
    with django_assert_num_queries(8) as small:  # 7 + whether the navigation links the portfolio
        response = client.get(url)
    assert response.content.decode().count('href="/projets/cartes/') == 10
    _bulk_cards(board, colleague, 990, today)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('href="/projets/cartes/') == 1000
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url, {"echeance": "semaine", "etiquette": "L990", "projet": board.workspace_id})


def test_removed_member_loses_tasks_at_once(client, lead, colleague, ws, board):
    _card(board, lead, "Comptages", due=timezone.localdate(), assignees=[colleague])
    client.force_login(colleague)
    assert ">Comptages<" in client.get(reverse("projects:my_tasks")).content.decode()
    actions.member_remove(workspace=ws, user=colleague, actor=lead)
    assert ">Comptages<" not in client.get(reverse("projects:my_tasks")).content.decode()


def test_dashboard_panel_lists_my_cards_and_follows_edits(client, lead, colleague, board):
    from intranet.news.actions import home_page_ensure

    home_page_ensure()
    today = timezone.localdate()
    card = _card(board, lead, "Dossier FEDER", due=today - datetime.timedelta(days=2), assignees=[colleague])
    client.force_login(colleague)
    html = client.get("/").content.decode()
    assert 'id="panel-projects-tasks"' in html
    assert ">Dossier FEDER<" in html and "en retard depuis" in html
    actions.card_edit(card=card, version=2, actor=lead, title="Dossier FEDER v2", assignees=[colleague])
    html = client.get("/").content.decode()  # the cached panel was bumped by the edit
    assert ">Dossier FEDER v2<" in html
    actions.card_archive(card=Card.objects.get(pk=card.pk), actor=lead)
    panel = client.get("/").content.decode().split('id="panel-projects-tasks"')[1].split("</section>")[0]
    assert "Dossier FEDER" not in panel and "Aucune carte ne vous est confiée" in panel


# --- iCalendar feed ---------------------------------------------------------------------------------------


def test_ical_feed_is_signed_parsed_by_icalendar_and_follows_the_roster(client, lead, colleague, ws, board):
    from icalendar import Calendar

    due = datetime.date(2027, 3, 15)
    card = _card(board, lead, "Rendu étude", due=due, assignees=[colleague])
    _card(board, lead, "Sans date", assignees=[colleague])
    client.force_login(colleague)
    page = client.get(reverse("projects:feed")).content.decode()
    token = agent.feed_token(colleague)
    assert agent.feed_token(colleague) == token  # the same address whenever the page is shown
    url = reverse("projects:feed_ics", args=[token])
    assert url in page
    client.logout()  # calendar applications have no session
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(events) == 1
    assert events[0].decoded("dtstart") == due
    assert str(events[0]["uid"]) == f"projects-card-{card.pk}@intranet"
    assert "Rendu étude" in str(events[0]["summary"])
    # Tampered, foreign or stale addresses answer 404 without telling why.
    assert client.get(reverse("projects:feed_ics", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("projects:feed_ics", args=["nimportequoi"])).status_code == 404
    # Leaving the project removes its cards from the feed at the next refresh.
    actions.member_remove(workspace=ws, user=colleague, actor=lead)
    assert not Calendar.from_ical(client.get(url).content).walk("VEVENT")
    # A new password makes the old address stop working; a disabled account too.
    colleague.set_password("un-autre-mot-de-passe-42")
    colleague.save()
    assert client.get(url).status_code == 404
    fresh = reverse("projects:feed_ics", args=[agent.feed_token(colleague)])
    assert client.get(fresh).status_code == 200
    colleague.is_active = False
    colleague.save()
    assert client.get(fresh).status_code == 404


# --- Notifications ----------------------------------------------------------------------------------------


def test_assignment_and_mentions_notify_members_only(lead, colleague, outsider, board):
    card = _card(board, lead, "Plan de charge", assignees=[colleague])
    assigned = Notification.objects.get(recipient=colleague, verb="projects.assigned")
    assert assigned.kind == "projects" and assigned.place == board.workspace.name
    actions.comment_add(
        card=card,
        author=lead,
        text=f"Merci @{colleague.username}. Et @{outsider.username}, @{lead.username} ?",
    )
    mention = Notification.objects.get(recipient=colleague, verb="projects.mention")
    assert mention.kind == "projects" and "Plan de charge" in mention.text
    # An outsider named in a comment learns nothing; the author is not notified of their own mention.
    assert not Notification.objects.filter(recipient__in=[outsider, lead], verb="projects.mention").exists()


def test_mention_respects_the_agents_preference(lead, colleague, board):
    from intranet.notifications.kinds import Delivery
    from intranet.notifications.models import NotificationPreference

    NotificationPreference.objects.create(user=colleague, kind="projects", delivery=Delivery.NONE)
    card = _card(board, lead, "Budget")
    actions.comment_add(card=card, author=lead, text=f"@{colleague.username} tu relis ?")
    mention = Notification.objects.get(recipient=colleague, verb="projects.mention")
    assert mention.mail == Delivery.NONE  # in-app only, as the agent chose


def test_due_reminders_once_per_card_and_due_date(lead, colleague, ws, board, make_user):
    today = datetime.date(2027, 1, 11)
    card = _card(board, lead, "Délibération", due=today + datetime.timedelta(days=1), assignees=[colleague])
    _card(board, lead, "Lointaine", due=today + datetime.timedelta(days=20), assignees=[colleague])
    _card(board, lead, "Passée", due=today - datetime.timedelta(days=1), assignees=[colleague])
    assert notices.due_reminders(today=today, days=2) == 1
    assert notices.due_reminders(today=today, days=2) == 0  # a second run the same day: nothing more
    assert notices.due_reminders(today=today + datetime.timedelta(days=1), days=2) == 0
    reminder = Notification.objects.get(recipient=colleague, verb="projects.due_soon")
    assert reminder.kind == "projects" and "Délibération" in reminder.text
    # A due date moved: reminded again for the new date.
    actions.card_edit(
        card=card,
        version=2,
        actor=lead,
        title=card.title,
        due_date=today + datetime.timedelta(days=2),
        assignees=[colleague],
    )
    assert notices.due_reminders(today=today, days=2) == 1
    # A member who left the team is not reminded, and forgets what the bell said about its cards.
    actions.member_remove(workspace=ws, user=colleague, actor=lead)
    assert not Notification.objects.filter(recipient=colleague, verb__startswith="projects.").exists()
    _card(board, lead, "Après départ", due=today + datetime.timedelta(days=1), assignees=[lead])
    assert notices.due_reminders(today=today, days=2) == 1  # the lead only
    assert not Notification.objects.filter(recipient=colleague, verb="projects.due_soon").exists()


def test_due_reminders_command_runs(lead, colleague, board, capsys):
    _card(board, lead, "Aujourd'hui", due=timezone.localdate(), assignees=[colleague])
    call_command("projects_due_reminders")
    call_command("projects_due_reminders")
    assert Notification.objects.filter(recipient=colleague, verb="projects.due_soon").count() == 1
    assert "1 notification" in capsys.readouterr().out


# --- Portfolio --------------------------------------------------------------------------------------------


@pytest.fixture
def direction(host_org, make_user):
    from intranet.people.actions import department_create

    director = make_user("dir.amenagement", first_name="Denise", last_name="Directrice")
    top = department_create(name="Direction de l'aménagement", slug="amenagement", organisation=host_org)
    top.head = director
    top.save()
    service = department_create(name="Service mobilités", slug="mobilites", organisation=host_org, parent=top)
    return director, top, service


def test_portfolio_lists_sponsored_and_department_projects_secret_only_to_members(
    client, make_workspace, make_user, direction, lead, outsider
):
    director, top, service = direction
    lead.department = service
    lead.save()
    run = make_workspace(name="Schéma cyclable", visibility=Visibility.OPEN)
    secret = make_workspace(name="Projet discret", visibility=Visibility.SECRET)
    elsewhere_lead = make_user("autre.chef")
    sponsored = make_workspace(
        name="Fibre des mairies", creator=elsewhere_lead, sponsor=director, visibility=Visibility.PRIVATE
    )
    make_workspace(name="Hors périmètre", creator=elsewhere_lead, visibility=Visibility.OPEN)
    board = Board.objects.get(workspace=run)
    today = timezone.localdate()
    _card(board, lead, "En retard 1", due=today - datetime.timedelta(days=3))
    _card(board, lead, "En retard 2", due=today - datetime.timedelta(days=1))
    _card(board, lead, "Finie", due=today - datetime.timedelta(days=1), column=board.columns.last())
    client.force_login(director)
    html = client.get(reverse("projects:portfolio")).content.decode()
    assert "Schéma cyclable" in html and "Fibre des mairies" in html
    assert "Projet discret" not in html and "Hors périmètre" not in html
    rows = {r["workspace"].name: r for r in agent.portfolio(director)}
    assert rows["Schéma cyclable"]["overdue"] == 2  # the done column does not count
    assert rows["Fibre des mairies"]["overdue"] == 0
    # Secret: only once the director is in its team.
    actions.member_set(workspace=secret, user=director, role=MemberRole.READER, actor=lead)
    assert "Projet discret" in {r["workspace"].name for r in agent.portfolio(director)}
    # CSV: BOM, semicolons, French headers, the same rows.
    response = client.get(reverse("projects:portfolio_csv"))
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffProjet;Statut;Service;Chef de projet;Commanditaire;")
    lines = body.strip("\ufeff").strip().split("\r\n")
    assert len(lines) == 4 and any(line.startswith("Schéma cyclable;") for line in lines)
    assert ";2;" in next(line for line in lines if line.startswith("Schéma cyclable;"))
    # An agent who heads nothing and sponsors nothing sees an empty portfolio.
    client.force_login(outsider)
    assert "Aucun projet" in client.get(reverse("projects:portfolio")).content.decode()
    assert client.get(reverse("projects:portfolio_csv")).content.decode("utf-8").count("\r\n") == 1
    del sponsored


def test_portfolio_query_count_is_constant(
    client, make_workspace, direction, lead, django_assert_num_queries
):
    director, top, service = direction
    lead.department = service
    lead.save()
    make_workspace(name="P0", visibility=Visibility.OPEN)
    client.force_login(director)
    url = reverse("projects:portfolio")
    client.get(url)
    with django_assert_num_queries(12) as small:
        client.get(url)
    for i in range(1, 6):
        ws = make_workspace(name=f"P{i}", visibility=Visibility.OPEN)
        _card(Board.objects.get(workspace=ws), lead, "x", due=timezone.localdate() - datetime.timedelta(1))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


# --- Department page, search ------------------------------------------------------------------------------


def test_department_section_and_search_respect_visibility(
    client, rf, make_workspace, direction, lead, outsider
):
    from intranet import registry

    _director, _top, service = direction
    lead.department = service
    lead.save()
    open_ws = make_workspace(name="Plan climat air énergie", visibility=Visibility.OPEN)
    make_workspace(name="Plan climat confidentiel", visibility=Visibility.SECRET)
    _card(Board.objects.get(workspace=open_ws), lead, "Inventaire climat des émissions")
    section = next(s for s in registry.department_sections() if s.key == "projects")
    request = rf.get("/")
    request.user = outsider
    ctx = section.context(request, service)
    assert [i["label"] for i in ctx["items"]] == ["Plan climat air énergie"]
    request.user = lead
    assert len(section.context(request, service)["items"]) == 2
    source = next(s for s in registry.search_sources() if s.key == "projects")
    hits, total = source.search(outsider, "climat", 10)
    assert [h.title for h in hits] == ["Plan climat air énergie", "Inventaire climat des émissions"]
    assert total == 2
    hits, total = source.search(lead, "climat", 10)
    assert total == 3
