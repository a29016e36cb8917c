"""The projects search source's one statement (projects/agent.py): its written-out gates
(`visible_workspaces_sql`, `readable_workspaces_sql`) keep exactly what the Q gates keep, over open, private
and secret workspaces, members and outsiders; and the search matches as the ORM's `icontains` would (case,
every word, wildcards taken literally), leaves archived cards out and counts what it does not show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import actions
from projects.choices import MemberRole, Visibility
from projects.models import Board, Card, Workspace
from projects.permissions import (
    readable_workspaces_q,
    readable_workspaces_sql,
    visible_workspaces_q,
    visible_workspaces_sql,
)

pytestmark = pytest.mark.django_db


def _search(user, query, limit=10):
    from intranet import registry

    source = next(s for s in registry.search_sources() if s.key == "projects")
    return source.search(user, query, limit)


def _sql_ids(gate) -> set[int]:
    condition, params = gate
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT w.id FROM {Workspace._meta.db_table} w WHERE {condition}", params)  # noqa: S608
        return {pk for (pk,) in cursor.fetchall()}


@pytest.fixture
def matrix(make_workspace, lead, colleague):
    """One workspace per visibility led by `lead`, one per visibility with `colleague` as a member."""
    made = {}
    for visibility in (Visibility.OPEN, Visibility.PRIVATE, Visibility.SECRET):
        made[visibility] = make_workspace(name=f"Chantier {visibility}", visibility=visibility)
        joined = make_workspace(name=f"Équipe {visibility}", visibility=visibility)
        actions.member_set(
            workspace=joined, user=colleague, role=MemberRole.CONTRIBUTOR, actor=lead, notify_member=False
        )
    return made


def test_sql_gates_keep_what_the_q_gates_keep(matrix, lead, colleague, outsider):
    for user in (lead, colleague, outsider):
        visible = set(Workspace.objects.filter(visible_workspaces_q(user)).values_list("pk", flat=True))
        readable = set(Workspace.objects.filter(readable_workspaces_q(user)).values_list("pk", flat=True))
        assert _sql_ids(visible_workspaces_sql(user, "w")) == visible
        assert _sql_ids(readable_workspaces_sql(user, "w")) == readable
    # The matrix means something: an outsider sees open and private names, reads open boards only.
    assert len(_sql_ids(visible_workspaces_sql(outsider, "w"))) == 4
    assert len(_sql_ids(readable_workspaces_sql(outsider, "w"))) == 2
    assert len(_sql_ids(visible_workspaces_sql(colleague, "w"))) == 5


def test_search_hits_and_counts_follow_the_gates_in_one_query(matrix, lead, outsider):
    for workspace in matrix.values():
        board = Board.objects.get(workspace=workspace)
        column = board.columns.first()
        actions.card_create(board=board, column=column, title="Relevé des compteurs", actor=lead)
    with CaptureQueriesContext(connection) as queries:
        hits, total = _search(outsider, "CHANTIER")
    assert len(queries.captured_queries) == 1
    # Open and private names; no card of the private or secret workspaces.
    assert sorted(h.title for h in hits) == ["Chantier open", "Chantier private"]
    assert total == 2
    hits, total = _search(outsider, "relevé compteurs")
    assert [h.title for h in hits] == ["Relevé des compteurs"]
    assert total == 1
    hits, total = _search(lead, "relevé compteurs")
    assert total == 3
    # The limit bounds the hits, never the count; a limit of 0 still counts.
    hits, total = _search(lead, "relevé", limit=1)
    assert len(hits) == 1 and total == 3
    assert _search(lead, "relevé", limit=0) == ([], 3)


def test_search_takes_wildcards_literally_and_leaves_archived_cards_out(make_workspace, lead):
    workspace = make_workspace(name="Budget 100% voirie", visibility=Visibility.OPEN)
    board = Board.objects.get(workspace=workspace)
    card = actions.card_create(board=board, column=board.columns.first(), title="Taux_réel", actor=lead)
    actions.card_create(board=board, column=board.columns.first(), title="Taux moyen", actor=lead)
    assert [h.title for h in _search(lead, "100%")[0]] == ["Budget 100% voirie"]
    assert _search(lead, "%")[1] == 1  # the workspace's name holds a '%'; '%' alone matches nothing else
    assert [h.title for h in _search(lead, "taux_")[0]] == ["Taux_réel"]
    assert _search(lead, "\\")[1] == 0
    actions.card_archive(card=Card.objects.get(pk=card.pk), actor=lead)
    assert _search(lead, "taux_") == ([], 0)
    assert [h.title for h in _search(lead, "taux")[0]] == ["Taux moyen"]
