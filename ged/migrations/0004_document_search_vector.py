"""A stored, GIN-indexed search vector on documents, French and accent-insensitive (PostgreSQL only).

A trigger writes it on every insert and on every update of the title, tags, description or extracted text,
whatever writes them (actions, the extraction task, bulk imports, a save of the whole row), so the vector can
never lag behind its columns. Only the first 200,000 characters of the extracted text are indexed: a
tsvector is limited to 1 MB, and a hostile text of distinct words would otherwise make the update fail.
"""

import django.contrib.postgres.search
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ged_document_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('french_unaccent', coalesce(NEW.title, '')), 'A')
        || setweight(to_tsvector('french_unaccent', coalesce(NEW.tags, '')), 'B')
        || setweight(to_tsvector('french_unaccent', coalesce(NEW.description, '')), 'B')
        || setweight(to_tsvector('french_unaccent', left(coalesce(NEW.text_content, ''), 200000)), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
TRIGGER = """
CREATE TRIGGER ged_document_search_vector
BEFORE INSERT OR UPDATE OF title, tags, description, text_content ON ged_document
FOR EACH ROW EXECUTE FUNCTION ged_document_search_vector()
"""
INDEX = "CREATE INDEX IF NOT EXISTS ged_document_search_gin ON ged_document USING gin (search_vector)"
# Fires the trigger on the existing rows.
BACKFILL = "UPDATE ged_document SET title = title"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in (FUNCTION, TRIGGER, BACKFILL, INDEX):
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ged_document_search_gin")
        schema_editor.execute("DROP TRIGGER IF EXISTS ged_document_search_vector ON ged_document")
        schema_editor.execute("DROP FUNCTION IF EXISTS ged_document_search_vector()")


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0003_online_conflicts"),
        ("intranet_search", "0002_french_unaccent"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
