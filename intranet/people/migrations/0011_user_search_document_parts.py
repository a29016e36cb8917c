"""The agent's search vector in two parts, so a set-based writer can compute the second once per distinct
context instead of once per agent: `people_user_search_names(...)` (names, weight A; username and job title,
weight B) and `people_user_search_context(...)` (what the agent does and the names of their department, its
parent and their employer, weight C). `people_user_search_document(...)` (migration 0008, used by the row
trigger) becomes `names || context`: the same expression as before (`||` groups from the left), so the same
vectors, same texts and weights.

The LDAP sync inserts thousands of agents who share a few dozen (department, employer) pairs and have no
"what I do" yet: `intranet.people.bulk.insert_users` computes the context once per pair (PostgreSQL only).
"""

from django.db import migrations

NAMES_FUNCTION = """
CREATE OR REPLACE FUNCTION people_user_search_names(
    first_name text, last_name text, username text, job_title text
) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('french_unaccent'::regconfig,
            coalesce(first_name, '') || ' ' || coalesce(last_name, '')), 'A')
        || setweight(to_tsvector('french_unaccent'::regconfig,
            coalesce(username, '') || ' ' || coalesce(job_title, '')), 'B')
$$ LANGUAGE sql STABLE
"""
CONTEXT_FUNCTION = """
CREATE OR REPLACE FUNCTION people_user_search_context(
    what_i_do text, department text, parent text, employer text
) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('french_unaccent'::regconfig,
            left(coalesce(what_i_do, ''), 100000) || ' ' || coalesce(department, '') || ' '
            || coalesce(parent, '') || ' ' || coalesce(employer, '')), 'C')
$$ LANGUAGE sql STABLE
"""
DOCUMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION people_user_search_document(
    first_name text, last_name text, username text, job_title text, what_i_do text,
    department text, parent text, employer text
) RETURNS tsvector AS $$
    SELECT people_user_search_names(first_name, last_name, username, job_title)
        || people_user_search_context(what_i_do, department, parent, employer)
$$ LANGUAGE sql STABLE
"""
OLD_DOCUMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION people_user_search_document(
    first_name text, last_name text, username text, job_title text, what_i_do text,
    department text, parent text, employer text
) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('french_unaccent'::regconfig,
            coalesce(first_name, '') || ' ' || coalesce(last_name, '')), 'A')
        || setweight(to_tsvector('french_unaccent'::regconfig,
            coalesce(username, '') || ' ' || coalesce(job_title, '')), 'B')
        || setweight(to_tsvector('french_unaccent'::regconfig,
            left(coalesce(what_i_do, ''), 100000) || ' ' || coalesce(department, '') || ' '
            || coalesce(parent, '') || ' ' || coalesce(employer, '')), 'C')
$$ LANGUAGE sql STABLE
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in (NAMES_FUNCTION, CONTEXT_FUNCTION, DOCUMENT_FUNCTION):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in (
            OLD_DOCUMENT_FUNCTION,
            "DROP FUNCTION IF EXISTS people_user_search_names",
            "DROP FUNCTION IF EXISTS people_user_search_context",
        ):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0010_user_unique_without_like_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
