"""Project pages: 404 for forbidden and missing alike, 409 on a stale card edit, French refusals, safe
Markdown, pinned query counts."""

import datetime

import pytest
from django.urls import reverse

from projects import actions
from projects.choices import MemberRole, Visibility
from projects.models import Board, Card

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(make_workspace, colleague, make_user):
    reader = make_user("rita.lectrice")
    return make_workspace(
        visibility=Visibility.SECRET,
        members={colleague: MemberRole.CONTRIBUTOR, reader: MemberRole.READER},
    )


@pytest.fixture
def board(ws):
    return Board.objects.get(workspace=ws)


@pytest.fixture
def card(board, lead):
    return actions.card_create(board=board, column=board.columns.first(), title="Comptages vélo", actor=lead)


def _routes(ws, board, card):
    return [
        ("get", reverse("projects:workspace", args=[ws.pk])),
        ("get", reverse("projects:roster", args=[ws.pk])),
        ("get", reverse("projects:board", args=[board.pk])),
        ("get", reverse("projects:card", args=[card.pk])),
        ("get", reverse("projects:card_move", args=[card.pk])),
        ("post", reverse("projects:join", args=[ws.pk])),
        ("post", reverse("projects:close", args=[ws.pk])),
        ("post", reverse("projects:card_create", args=[board.pk])),
        ("post", reverse("projects:comment_add", args=[card.pk])),
        ("post", reverse("projects:card_archive", args=[card.pk])),
    ]


def test_secret_workspace_is_404_for_outsiders_everywhere(client, outsider, lead, ws, board, card):
    client.force_login(outsider)
    for method, url in _routes(ws, board, card):
        assert getattr(client, method)(url).status_code == 404, url
    assert ws.name not in client.get(reverse("projects:index")).content.decode()
    client.force_login(lead)  # control: the lead opens them
    assert client.get(reverse("projects:board", args=[board.pk])).status_code == 200
    assert ws.name in client.get(reverse("projects:index")).content.decode()


def test_missing_objects_are_404_like_forbidden(agent_client):
    for name in ("projects:workspace", "projects:board", "projects:card"):
        assert agent_client.get(reverse(name, args=[999999])).status_code == 404


def test_private_workspace_is_listed_but_its_boards_are_not_readable(client, outsider, make_workspace):
    ws = make_workspace(name="Fibre des mairies", visibility=Visibility.PRIVATE)
    board = Board.objects.get(workspace=ws)
    client.force_login(outsider)
    assert client.get(reverse("projects:workspace", args=[ws.pk])).status_code == 200
    assert client.get(reverse("projects:board", args=[board.pk])).status_code == 404


def test_reader_cannot_edit_or_move(client, ws, card):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="rita.lectrice"))
    assert client.get(reverse("projects:card", args=[card.pk])).status_code == 200
    response = client.post(reverse("projects:card", args=[card.pk]), {"title": "X", "version": card.version})
    assert response.status_code == 404
    move = reverse("projects:card_move", args=[card.pk])
    assert client.post(move, {"column": card.column_id, "position": 0}).status_code == 404
    card.refresh_from_db()
    assert card.title == "Comptages vélo"


def test_stale_card_edit_gets_409_with_the_current_text(client, lead, colleague, card):
    """Two agents open version 1; the second save is refused with the first one's text shown."""
    url = reverse("projects:card", args=[card.pk])
    client.force_login(lead)
    first = client.post(url, {"title": "Comptages", "description": "Texte de Claire", "version": 1})
    assert first.status_code == 302
    client.force_login(colleague)
    second = client.post(url, {"title": "Autre titre", "description": "Texte de Paul", "version": 1})
    assert second.status_code == 409
    body = second.content.decode()
    assert "Texte de Claire" in body and "Texte de Paul" in body  # current text shown, the editor's kept
    card.refresh_from_db()
    assert (card.title, card.description, card.version) == ("Comptages", "Texte de Claire", 2)
    again = client.post(url, {"title": "Autre titre", "description": "Texte de Paul", "version": 2})
    assert again.status_code == 302  # a deliberate save from the current version goes through
    card.refresh_from_db()
    assert card.description == "Texte de Paul"


def test_oversized_title_is_refused_in_french(client, lead, board):
    client.force_login(lead)
    column = board.columns.first()
    url = reverse("projects:card_create", args=[board.pk])
    response = client.post(url, {"title": "x" * 10_000, "column": column.pk}, follow=True)
    assert "ne doit pas dépasser 200 caractères" in response.content.decode()
    assert not Card.objects.exists()
    client.post(url, {"title": "Titre correct", "column": column.pk})
    assert Card.objects.count() == 1


def test_move_to_a_column_of_another_board_is_refused(client, lead, ws, card):
    other = actions.board_create(workspace=ws, name="Autre", actor=lead)
    client.force_login(lead)
    url = reverse("projects:card_move", args=[card.pk])
    response = client.post(url, {"column": other.columns.first().pk, "position": 0})
    assert response.status_code == 400
    assert "Choisissez une colonne de ce tableau." in response.content.decode()
    target = card.board.columns.last()
    assert client.post(url, {"column": target.pk, "position": 0}).status_code == 302
    card.refresh_from_db()
    assert card.column_id == target.pk


def test_card_assigned_to_a_non_member_is_refused(client, lead, outsider, card):
    with pytest.raises(Exception, match="ne fait pas partie de l'équipe"):
        actions.card_edit(card=card, version=1, actor=lead, title="T", assignees=[outsider])
    card.refresh_from_db()
    assert card.version == 1


def test_markdown_is_rendered_inert(client, lead, card):
    actions.card_edit(
        card=card,
        version=1,
        actor=lead,
        title="T",
        description="<script>alert(1)</script> [lien](javascript:alert(1)) **gras**",
    )
    client.force_login(lead)
    body = client.get(reverse("projects:card", args=[card.pk])).content.decode()
    assert "<script>alert(1)" not in body
    assert 'href="javascript:' not in body
    assert "<strong>gras</strong>" in body


def test_concurrent_style_moves_leave_one_order(lead, board):
    """Twenty moves into one column, at clamped positions: positions stay 0..n-1 with no duplicate."""
    first, second = list(board.columns.all())[:2]
    cards = [actions.card_create(board=board, column=first, title=f"C{i}", actor=lead) for i in range(20)]
    for i, card in enumerate(cards):
        actions.card_move(card=card, column=second, position=(i * 7) % 5, actor=lead)
    positions = sorted(Card.objects.filter(column=second).values_list("position", flat=True))
    assert positions == list(range(20))


def test_closed_workspace_freezes_boards(client, lead, ws, card):
    actions.workspace_close(workspace=ws, actor=lead)
    client.force_login(lead)
    assert client.get(reverse("projects:board", args=[card.board_id])).status_code == 200
    assert (
        client.post(reverse("projects:card", args=[card.pk]), {"title": "X", "version": 1}).status_code == 404
    )
    card.refresh_from_db()
    assert card.title == "Comptages vélo"


def test_create_workspace_from_the_form(agent_client, agent):
    response = agent_client.post(
        reverse("projects:index"),
        {"name": "Plan climat", "status": "cadrage", "visibility": "private", "join_policy": "lead"},
    )
    assert response.status_code == 302
    bad = agent_client.post(
        reverse("projects:index"),
        {"name": "", "status": "cadrage", "visibility": "private", "join_policy": "lead",
         "start_date": "2027-01-10", "end_date": "2026-01-01"},
    )  # fmt: skip
    assert bad.status_code == 400
    assert "La fin prévue doit suivre le début du projet." in bad.content.decode()


def _assign(board, lead, colleague, n, today):
    column = board.columns.first()
    for i in range(n):
        card = actions.card_create(board=board, column=column, title=f"Tâche {i}", actor=lead)
        label = actions.label_create(board=board, name=f"L{i % 3}", actor=lead)
        actions.card_edit(
            card=card,
            version=1,
            actor=lead,
            title=card.title,
            due_date=today + datetime.timedelta(days=i),
            assignees=[colleague],
            labels=[label],
        )


def test_my_tasks_query_count_does_not_grow(client, lead, colleague, board, django_assert_num_queries):
    today = datetime.date(2026, 12, 6)
    _assign(board, lead, colleague, 2, today)
    client.force_login(colleague)
    url = reverse("projects:my_tasks")
    client.get(url)  # the base page caches a few fragments (menu, counters) on the first view
    # Session and user, the cards (one join), their labels, the agent's workspaces for the filter, whether
    # the projects navigation links the portfolio, and the base page's own.
    with django_assert_num_queries(8) as small:
        assert client.get(url).status_code == 200
    _assign(board, lead, colleague, 12, today)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, {"echeance": "semaine", "etiquette": "L1", "projet": board.workspace_id})
    assert response.status_code == 200


def test_board_query_count_does_not_grow(client, lead, colleague, board, django_assert_num_queries):
    _assign(board, lead, colleague, 2, datetime.date(2026, 12, 6))
    client.force_login(lead)
    url = reverse("projects:board", args=[board.pk])
    # Session and user, board, role, columns, cards, assignees, labels, the board's labels, and the base
    # page's own. The second request, with five times the cards, costs the same.
    client.get(url)  # warm the base page's cached fragments, as above
    with django_assert_num_queries(11) as small:
        assert client.get(url).status_code == 200
    _assign(board, lead, colleague, 10, datetime.date(2026, 12, 6))
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
