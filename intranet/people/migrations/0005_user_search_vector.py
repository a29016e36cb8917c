"""A stored, GIN-indexed search vector on agents for the global search, French and accent-insensitive
(PostgreSQL only; SQLite keeps the directory's accent patterns).

The vector holds the names (A), the username and job title (B), what the agent does and the names of their
department, its parent and their employer (C). A trigger on the agent writes it on insert and on every update
of those columns; triggers on departments and organisations rewrite their members' vectors when a name or a
parent changes, so the vector never lags behind what the directory shows. Skills stay a small lookup at query
time (tags are shared rows, their links a generic table).
"""

import django.contrib.postgres.search
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION people_user_search_vector() RETURNS trigger AS $$
DECLARE
    department text := '';
    parent text := '';
    employer text := '';
BEGIN
    IF NEW.department_id IS NOT NULL THEN
        SELECT d.name, coalesce(p.name, '') INTO department, parent
        FROM people_department d LEFT JOIN people_department p ON p.id = d.parent_id
        WHERE d.id = NEW.department_id;
    END IF;
    IF NEW.employer_id IS NOT NULL THEN
        SELECT o.name || ' ' || o.short_name INTO employer
        FROM people_organisation o WHERE o.id = NEW.employer_id;
    END IF;
    NEW.search_vector :=
        setweight(to_tsvector('french_unaccent',
            coalesce(NEW.first_name, '') || ' ' || coalesce(NEW.last_name, '')), 'A')
        || setweight(to_tsvector('french_unaccent',
            coalesce(NEW.username, '') || ' ' || coalesce(NEW.job_title, '')), 'B')
        || setweight(to_tsvector('french_unaccent',
            left(coalesce(NEW.what_i_do, ''), 100000) || ' ' || coalesce(department, '') || ' '
            || coalesce(parent, '') || ' ' || coalesce(employer, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
TRIGGER = """
CREATE TRIGGER people_user_search_vector
BEFORE INSERT OR UPDATE OF first_name, last_name, username, job_title, what_i_do, department_id, employer_id
ON people_user FOR EACH ROW EXECUTE FUNCTION people_user_search_vector()
"""
# A renamed or moved department, or a renamed organisation: its members' vectors are written again (the
# no-op update fires the agent's trigger). Sub-departments' members carry the parent's name too.
DEPARTMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION people_department_search_vector() RETURNS trigger AS $$
BEGIN
    UPDATE people_user SET department_id = department_id
    WHERE department_id = NEW.id
        OR department_id IN (SELECT id FROM people_department WHERE parent_id = NEW.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
DEPARTMENT_TRIGGER = """
CREATE TRIGGER people_department_search_vector
AFTER UPDATE OF name, parent_id ON people_department
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
EXECUTE FUNCTION people_department_search_vector()
"""
ORGANISATION_FUNCTION = """
CREATE OR REPLACE FUNCTION people_organisation_search_vector() RETURNS trigger AS $$
BEGIN
    UPDATE people_user SET employer_id = employer_id WHERE employer_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
ORGANISATION_TRIGGER = """
CREATE TRIGGER people_organisation_search_vector
AFTER UPDATE OF name, short_name ON people_organisation
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.short_name IS DISTINCT FROM NEW.short_name)
EXECUTE FUNCTION people_organisation_search_vector()
"""
INDEX = "CREATE INDEX IF NOT EXISTS people_user_search_gin ON people_user USING gin (search_vector)"
BACKFILL = "UPDATE people_user SET username = username"  # fires the trigger on the existing rows


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in (
            FUNCTION,
            TRIGGER,
            DEPARTMENT_FUNCTION,
            DEPARTMENT_TRIGGER,
            ORGANISATION_FUNCTION,
            ORGANISATION_TRIGGER,
            BACKFILL,
            INDEX,
        ):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS people_user_search_gin")
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS people_organisation_search_vector ON people_organisation"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS people_organisation_search_vector()")
        schema_editor.execute("DROP TRIGGER IF EXISTS people_department_search_vector ON people_department")
        schema_editor.execute("DROP FUNCTION IF EXISTS people_department_search_vector()")
        schema_editor.execute("DROP TRIGGER IF EXISTS people_user_search_vector ON people_user")
        schema_editor.execute("DROP FUNCTION IF EXISTS people_user_search_vector()")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_app_passwords"),
        ("intranet_search", "0002_french_unaccent"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
