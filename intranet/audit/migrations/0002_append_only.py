"""Make the access log append-only in the database itself.

PostgreSQL (production, CI): a trigger rejects UPDATE and DELETE, except the retention purge, which sets
`intranet.audit_purge` for its own transaction. TRUNCATE is a database-owner operation (the test runner
uses it to reset tables); the deployment guide grants the application role only INSERT and SELECT.
SQLite (embedded demo): UPDATE is rejected; DELETE stays possible because the test runner empties
tables with DELETE between transactional tests.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_accessevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('intranet.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_accessevent is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
---
CREATE TRIGGER audit_accessevent_append_only
    BEFORE UPDATE OR DELETE ON audit_accessevent
    FOR EACH ROW EXECUTE FUNCTION audit_accessevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_accessevent_append_only ON audit_accessevent;
---
DROP FUNCTION IF EXISTS audit_accessevent_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER audit_accessevent_no_update BEFORE UPDATE ON audit_accessevent
BEGIN
    SELECT RAISE(ABORT, 'audit_accessevent is append-only (UPDATE refused)');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_accessevent_no_update;"


def _run(schema_editor, sql):
    for statement in sql.split("---"):
        schema_editor.execute(statement.strip(), params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_UP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_DOWN)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
