"""Set-based writes for large syncs, where building one model instance per row costs more than the SQL."""

import itertools
import json
import operator

from django.core.exceptions import EmptyResultSet
from django.db import connection

BATCH = 1000


def insert_values(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert rows of database-ready values without building a model instance per row: COPY on PostgreSQL
    (about ten times faster than a multi-row INSERT for 10,000 rows), multi-row INSERTs elsewhere."""
    if not rows:
        return
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    qn = connection.ops.quote_name
    columns = ", ".join(qn(by_attname[name].column) for name in fields)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            if set(map(type, itertools.chain.from_iterable(rows))) <= {int}:
                # Rows of plain integers (memberships: 25,000 of them in a first sync of 10,000 agents):
                # COPY's text format written in one piece, instead of one write_row call per row.
                if len(fields) == 2:
                    copy.write("".join([f"{a}\t{b}\n" for a, b in rows]))
                else:
                    copy.write("".join(["\t".join(map(str, row)) + "\n" for row in rows]))
            else:
                for row in rows:
                    copy.write_row(row)
        return
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    max_params = connection.features.max_query_params or 30000
    size = max(1, min(BATCH, max_params // len(fields)))
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        values = ", ".join([placeholder] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {values}",  # noqa: S608 (placeholders only)
                [value for row in chunk for value in row],
            )


def insert_users(fields: list[str], columns: list[list]) -> None:
    """Insert agents given as columns (model_columns), their search vectors computed in the same statement.

    On PostgreSQL the rows are copied into a temporary table, then inserted with one INSERT … SELECT under the
    transaction-local setting that tells the row trigger the vector is given (migration people 0008). The
    trigger would otherwise run PL/pgSQL and two lookups per row: about half of inserting the 10,000 agents
    of a first sync. Each vector is `people_user_search_names(...) || people_user_search_context(...)`, which
    is people_user_search_document (migration people 0011); the context part (what the agent does, their
    department, its parent, their employer) is computed once per distinct (department, employer, what I do):
    a few dozen to_tsvector calls instead of one per agent. A column holding one value for every row (a
    default, the run's timestamp) is not copied: the INSERT … SELECT gives it as a parameter, which halves
    what COPY carries for a first sync. Elsewhere (no vector): insert_values."""
    from .models import User

    rows_count = len(columns[0]) if columns else 0
    if connection.vendor != "postgresql" or not rows_count:
        insert_values(User, fields, list(zip(*columns, strict=True)))
        return
    meta = User._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    qn = connection.ops.quote_name
    stage = qn("people_user_sync_stage")
    # What the vector and the join below read from the staged rows, constant or not.
    staged_always = {"first_name", "last_name", "username", "job_title", "department_id", "employer_id"}
    staged_always.add("what_i_do")
    copied, selected, params = [], [], []
    for name, column in zip(fields, columns, strict=True):
        if name == "search_vector":
            continue
        column_name = qn(by_attname[name].column)
        if name not in staged_always and _one_value(column):
            selected.append(f"CAST(%s AS {by_attname[name].db_type(connection)})")
            params.append(column[0])
        else:
            copied.append((column_name, column))
            selected.append(f"n.{column_name}")
    column_list = ", ".join(qn(by_attname[name].column) for name in fields if name != "search_vector")
    copied_list = ", ".join(name for name, _column in copied)
    with connection.cursor() as cursor:
        # The copied columns only, with their types (not their NOT NULL constraints).
        cursor.execute(
            f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608 (quoted names only)
            f"SELECT {copied_list} FROM {qn(meta.db_table)} WITH NO DATA"
        )
        with cursor.copy(f"COPY {stage} ({copied_list}) FROM STDIN") as copy:
            for row in zip(*[column for _name, column in copied], strict=True):
                copy.write_row(row)
        cursor.execute("SELECT set_config('intranet.search_vector_given', 'on', true)")
        # Only quoted column names and types are interpolated; the rows travelled through COPY, the
        # constants as parameters. Ids are positive: 0 stands for NULL in the join keys (a hash join).
        cursor.execute(
            f"INSERT INTO {qn(meta.db_table)} ({column_list}, search_vector) "  # noqa: S608
            f"SELECT {', '.join(selected)}, "
            "people_user_search_names(n.first_name, n.last_name, n.username, n.job_title) || c.vector "
            f"FROM {stage} n JOIN ("
            "SELECT k.department_id, k.employer_id, k.what_i_do, people_user_search_context(k.what_i_do, "
            "d.name, coalesce(p.name, ''), o.name || ' ' || o.short_name) AS vector "
            f"FROM (SELECT DISTINCT department_id, employer_id, what_i_do FROM {stage}) k "
            "LEFT JOIN people_department d ON d.id = k.department_id "
            "LEFT JOIN people_department p ON p.id = d.parent_id "
            "LEFT JOIN people_organisation o ON o.id = k.employer_id"
            # OFFSET 0 keeps the planner from pulling the subquery up, which computed the vector per agent.
            " OFFSET 0) c ON coalesce(c.department_id, 0) = coalesce(n.department_id, 0) "
            "AND coalesce(c.employer_id, 0) = coalesce(n.employer_id, 0) "
            "AND c.what_i_do IS NOT DISTINCT FROM n.what_i_do",
            params,
        )
        cursor.execute("SELECT set_config('intranet.search_vector_given', 'off', true)")
        cursor.execute(f"DROP TABLE {stage}")


def _one_value(column: list) -> bool:
    """Every value of the column equal and of one type (1 and True are equal in a set, not here)."""
    try:
        return len(set(column)) == 1 and len(set(map(type, column))) == 1
    except TypeError:  # unhashable values: copied row by row
        return False


def bulk_update_values(model, fields: list[str], rows: list[tuple[int, list]]) -> None:
    """`UPDATE … FROM (VALUES …)`: one statement per batch, each row its own values. Django's bulk_update
    builds a CASE per field and row, which takes a minute for 10,000 agents; this takes well under a second.
    Works on PostgreSQL and SQLite >= 3.33; `fields` are attribute names (`department_id`)."""
    if not rows:
        return
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    columns = [by_attname[name] for name in fields]
    qn = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"

    def cast(expr, field):
        # psycopg sends untyped text for strings and NULL: VALUES columns need their type on PostgreSQL.
        if not postgres:
            return expr
        db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
        return f"CAST({expr} AS {db_type})"

    pk = meta.pk
    assignments = ", ".join(
        f"{qn(field.column)} = {cast(f'v.column{i + 2}', field)}" for i, field in enumerate(columns)
    )
    max_params = connection.features.max_query_params or 30000
    size = max(1, min(BATCH, max_params // (len(fields) + 1)))
    placeholder = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        params = []
        for row_pk, values in chunk:
            params.append(row_pk)
            params.extend(
                field.get_db_prep_save(value, connection)
                for field, value in zip(columns, values, strict=True)
            )
        # Only quoted column names and %s placeholders are interpolated; values travel as parameters.
        table = qn(meta.db_table)
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([placeholder] * len(chunk))}) "  # noqa: S608
            f"AS v WHERE {table}.{qn(pk.column)} = {cast('v.column1', pk)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def allocate_ids(model, count: int) -> list[int]:
    """`count` primary keys for rows about to be inserted with insert_values, in the caller's transaction.
    PostgreSQL takes them from the table's identity sequence; SQLite (one writer at a time) from MAX(id)."""
    if count <= 0:
        return []
    meta = model._meta
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence looked up once (OFFSET 0 keeps the subquery from being pulled up): called in the
            # select list, pg_get_serial_sequence ran once per id, about fifteen times the cost of nextval.
            cursor.execute(
                "SELECT nextval(s.seq) FROM generate_series(1, %s), "
                "(SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) s",
                [count, meta.db_table, meta.pk.column],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX({qn(meta.pk.column)}), 0) FROM {qn(meta.db_table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


# Fields whose database value is the Python value itself when that value already has the field's type (str,
# int, bool or None): get_db_prep_save on them only costs time, 10,000 rows × every column.
_PLAIN_TYPES = {
    "AutoField": int,
    "BigAutoField": int,
    "SmallAutoField": int,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "ForeignKey": int,
    "OneToOneField": int,
    "BooleanField": bool,
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
}


def _plain_type(field):
    internal = field.get_internal_type()
    if internal in ("ForeignKey", "OneToOneField"):
        internal = field.target_field.get_internal_type()
    return _PLAIN_TYPES.get(internal)


def _serialised(value):
    """A JSON value wrapped for psycopg (`Jsonb`) as its text, computed once: COPY would otherwise encode the
    same default again for every row (two JSON columns on an agent: a fifth of the insert's Python time)."""
    try:
        from psycopg.types.json import Json, Jsonb
    except ImportError:  # no psycopg: nothing of its kind to serialise
        return value
    if isinstance(value, Json | Jsonb):
        return (value.dumps or json.dumps)(value.obj)
    return value


def model_columns(model, rows: list[dict]) -> tuple[list[str], list[list]]:
    """Every concrete column of `model` for a list of dicts of attribute values (primary key included), the
    model's defaults, computed once, filling what a dict leaves out: (attnames, one list of database values
    per column, in the attnames' order).

    Built column by column: a column whose values are all already what the database takes (a str for a text
    column, an int for an integer or a foreign key, a bool, None) is checked with one pass over their types
    and kept as it is; others go through the field's get_db_prep_save, once per distinct run of equal values
    (a sync stamps every row with the same datetime)."""
    template = model()
    fields = list(model._meta.concrete_fields)
    names = [f.attname for f in fields]
    if not rows:
        return names, [[] for _name in names]
    defaults = {
        f.attname: _serialised(f.get_db_prep_save(getattr(template, f.attname), connection)) for f in fields
    }
    count = len(rows)
    # Rows made by one loop have the same keys in the same order: each column is then read at C speed.
    uniform = len({tuple(row) for row in rows}) == 1
    present = set(rows[0]) if uniform else set().union(*rows)
    missing = object()
    columns = []
    for field in fields:
        name = field.attname
        if name not in present:
            columns.append([defaults[name]] * count)
            continue
        if uniform:
            column = list(map(operator.itemgetter(name), rows))
        else:
            column = [row.get(name, missing) for row in rows]
        kind = _plain_type(field)
        if kind is not None and set(map(type, column)) <= {kind, type(None)}:
            columns.append(column)
            continue
        prepared, last, last_prepared = [], missing, None
        for value in column:
            if value is missing:
                prepared.append(defaults[name])
            elif kind is not None and (value is None or value.__class__ is kind):
                prepared.append(value)
            elif value is last:
                prepared.append(last_prepared)
            else:
                last, last_prepared = value, field.get_db_prep_save(value, connection)
                prepared.append(last_prepared)
        columns.append(prepared)
    return names, columns


def fetch_tuples(queryset) -> list[tuple]:
    """The rows of a `values_list()` queryset as plain tuples, fetched by the driver without Django's per-row
    iteration (about five times faster for 10,000 rows). Only for columns that need no converter (text,
    integers, booleans: SQLite returns 0/1, which compare equal to False/True)."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # e.g. `__in=[]`: nothing to fetch
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
