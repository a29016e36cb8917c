"""The drag-and-drop move (JSON POST) costs the same few queries whatever the column's size (B11: every round
trip of the move is on the path of the live event)."""

import pytest
from django.db import connection
from django.urls import reverse

from projects import actions
from projects.models import Board, Card

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(make_workspace):
    return Board.objects.get(workspace=make_workspace())


def _move(client, card, column):
    return client.post(
        reverse("projects:card_move", args=[card.pk]),
        {"column": column.pk, "position": 0},
        HTTP_ACCEPT="application/json",
    )


@pytest.mark.parametrize("others", [2, 30])
def test_json_move_query_count_does_not_grow_with_the_column(
    client, lead, board, others, django_assert_num_queries
):
    first, second = list(board.columns.all())[:2]
    card = actions.card_create(board=board, column=first, title="Carte déplacée", actor=lead)
    for i in range(others):
        actions.card_create(board=board, column=second, title=f"Carte {i}", actor=lead)
    client.force_login(lead)
    # session, agent, card with the viewer's role, the board's columns with their counts, then the move:
    # savepoint, board lock, one UPDATE that numbers the column (PostgreSQL; elsewhere the column's ids are
    # read first, then one UPDATE), release (BEGIN/COMMIT outside a test).
    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 9):
        response = _move(client, card, second)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "column": second.pk, "position": 0}
    order = list(Card.objects.filter(column=second).order_by("position").values_list("pk", flat=True))
    assert order[0] == card.pk and len(order) == others + 1
    assert sorted(Card.objects.filter(column=second).values_list("position", flat=True)) == list(
        range(others + 1)
    )
