"""Twenty agents' moves into one column at the same moment (threads, each its own connection): the board row
lock makes them take turns, so the column ends with positions 0..n-1, no duplicate, no card lost."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from projects import actions
from projects.models import Board, Card

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and concurrent writers are PostgreSQL's"
)
def test_twenty_concurrent_moves_leave_one_order(make_workspace, lead):
    ws = make_workspace()
    board = Board.objects.get(workspace=ws)
    first, second = list(board.columns.all())[:2]
    cards = [actions.card_create(board=board, column=first, title=f"C{i}", actor=lead) for i in range(20)]
    for i in range(3):
        actions.card_create(board=board, column=second, title=f"D{i}", actor=lead)

    def move(i):
        try:
            card = Card.objects.select_related("board__workspace").get(pk=cards[i].pk)
            actions.card_move(card=card, column=second, position=i % 4, actor=lead)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(move, range(20)))
    positions = sorted(Card.objects.filter(column=second).values_list("position", flat=True))
    assert positions == list(range(23))
    assert not Card.objects.filter(column=first).exists()
