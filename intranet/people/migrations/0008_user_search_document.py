"""The agent's search vector as one SQL function, `people_user_search_document(...)`, used by the row
trigger and by set-based writers (the LDAP sync inserting thousands of agents in one statement).

The trigger of 0005 computes the vector row by row in PL/pgSQL, with two lookups per row: for the 10,000
agents of a first directory sync that was about half of the insert's time. Now the insert trigger does not
fire when the inserting statement supplies the vector itself, which only a writer that computed it with the
same function does: the vector is given (not NULL) *and* the transaction-local setting
`intranet.search_vector_given` is `on` (set by `intranet.people.bulk.insert_users`, reset right after).
Any other insert (Django's save, bulk_create: the vector is NULL) and every update go through the trigger as
before.
Same vector as 0005, same weights and texts (PostgreSQL only).
"""

from django.db import migrations

DOCUMENT_FUNCTION = """
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
    NEW.search_vector := people_user_search_document(
        NEW.first_name, NEW.last_name, NEW.username, NEW.job_title, NEW.what_i_do,
        department, parent, employer
    );
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
TRIGGERS = """
DROP TRIGGER IF EXISTS people_user_search_vector ON people_user;
CREATE TRIGGER people_user_search_vector
BEFORE UPDATE OF first_name, last_name, username, job_title, what_i_do, department_id, employer_id
ON people_user FOR EACH ROW EXECUTE FUNCTION people_user_search_vector();
CREATE TRIGGER people_user_search_vector_insert
BEFORE INSERT ON people_user FOR EACH ROW
WHEN (NEW.search_vector IS NULL
      OR current_setting('intranet.search_vector_given', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION people_user_search_vector()
"""
OLD_FUNCTION = """
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
OLD_TRIGGERS = """
DROP TRIGGER IF EXISTS people_user_search_vector_insert ON people_user;
DROP TRIGGER IF EXISTS people_user_search_vector ON people_user;
CREATE TRIGGER people_user_search_vector
BEFORE INSERT OR UPDATE OF first_name, last_name, username, job_title, what_i_do, department_id, employer_id
ON people_user FOR EACH ROW EXECUTE FUNCTION people_user_search_vector()
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in (DOCUMENT_FUNCTION, FUNCTION, TRIGGERS):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in (OLD_FUNCTION, OLD_TRIGGERS, "DROP FUNCTION IF EXISTS people_user_search_document"):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0007_user_ldap_hash"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
