"""Words of a file name are searchable (PostgreSQL only).

PostgreSQL's parser reads « compte-rendu-du-conseil-2026.txt » as one file-name token, so none of its words
found the document. The title is now indexed with hyphens, underscores and dots between words read as spaces
(the query side does the same, ged.queries.search.search_words); the existing rows are indexed again.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ged_document_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('french_unaccent',
                              regexp_replace(coalesce(NEW.title, ''), '[-_.]+', ' ', 'g')), 'A')
        || setweight(to_tsvector('french_unaccent', coalesce(NEW.tags, '')), 'B')
        || setweight(to_tsvector('french_unaccent', coalesce(NEW.description, '')), 'B')
        || setweight(to_tsvector('french_unaccent', left(coalesce(NEW.text_content, ''), 200000)), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
PREVIOUS = """
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
# Fires the trigger on the existing rows (the title is written unchanged, its key with it).
REINDEX = "UPDATE ged_document SET title = title, title_key = title_key"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(REINDEX)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)
        schema_editor.execute(REINDEX)


class Migration(migrations.Migration):
    dependencies = [("ged", "0008_webdav_locks_props")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
