"""Drop two indexes that only cost writes: people_user_groups(user_id), and on PostgreSQL the pattern index
Django adds beside the unique username (`username varchar_pattern_ops`).

Django gives an automatic many-to-many table an index on each foreign key and a unique constraint on the pair
(user_id, group_id). That constraint's index leads with user_id, so it answers every lookup by user the
single-column index answered; the extra index only costs writes: 25,000 more index entries in a first directory
sync of 10,000 agents (about a third of the membership insert), and one more per membership added or removed.

The username pattern index serves only `LIKE 'prefix%'` on the exact case; the intranet searches agents with
icontains (UPPER … LIKE, which it cannot serve) and the full-text vector, and logins look the name up by
equality (the unique index). Each agent inserted wrote an entry in it.

Found by introspection (the names Django generated), on every database; reversible.
"""

from django.db import migrations

TABLE = "people_user_groups"


def _user_id_indexes(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [
        name
        for name, info in constraints.items()
        if info.get("index")
        and not info.get("unique")
        and not info.get("primary_key")
        and info.get("columns") == ["user_id"]
    ]


USERNAME_LIKE = "people_user_username_7e18cbac_like"


def _username_like_indexes(schema_editor) -> list[str]:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'people_user' "
            "AND indexdef LIKE '%(username varchar_pattern_ops)'"
        )
        return [row[0] for row in cursor.fetchall()]


def forwards(apps, schema_editor):
    qn = schema_editor.connection.ops.quote_name
    for name in _user_id_indexes(schema_editor) + _username_like_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {qn(name)}")


def backwards(apps, schema_editor):
    qn = schema_editor.connection.ops.quote_name
    if not _user_id_indexes(schema_editor):
        schema_editor.execute(
            f"CREATE INDEX {qn('people_user_groups_user_id_290df956')} ON {qn(TABLE)} ({qn('user_id')})"
        )
    if schema_editor.connection.vendor == "postgresql" and not _username_like_indexes(schema_editor):
        schema_editor.execute(
            f"CREATE INDEX {qn(USERNAME_LIKE)} ON {qn('people_user')} ({qn('username')} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0012_team"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
