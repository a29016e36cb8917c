"""Migration people 0013 drops the write-only indexes (people_user_groups(user_id), and on PostgreSQL the
username pattern index) and puts them back when reversed; lookups by user keep an index (the unique pair)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _constraints(table: str) -> dict[str, dict]:
    """Indexes and constraints (PostgreSQL reports a unique constraint's index as the constraint)."""
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def _user_id_only(constraints) -> list[str]:
    return [
        n
        for n, i in constraints.items()
        if i["index"] and i["columns"] == ["user_id"] and not i["unique"] and not i["primary_key"]
    ]


def _username_pattern() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'people_user' "
            "AND indexdef LIKE '%(username varchar_pattern_ops)'"
        )
        return [row[0] for row in cursor.fetchall()]


def _migrate(targets):
    MigrationExecutor(connection).migrate(targets)


def test_write_only_indexes_dropped_and_restored_on_reverse():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    groups = _constraints("people_user_groups")
    assert _user_id_only(groups) == []
    assert any(i["columns"] == ["user_id", "group_id"] and i["unique"] for i in groups.values())
    assert _username_pattern() == []
    try:
        _migrate([("people", "0012_team")])
        assert len(_user_id_only(_constraints("people_user_groups"))) == 1
        assert len(_username_pattern()) == (1 if connection.vendor == "postgresql" else 0)
    finally:
        _migrate(latest)
    assert _user_id_only(_constraints("people_user_groups")) == []
    assert _username_pattern() == []
