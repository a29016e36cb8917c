"""A GIN index on Wagtail's search index over (title || body), the document the search matches, so that
`intranet.search` narrows 20,000 pages to the matching few through the index (PostgreSQL only)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS intranet_search_indexentry_document_gin "
    "ON wagtailsearch_indexentry USING gin ((title || body))"
)
DROP = "DROP INDEX IF EXISTS intranet_search_indexentry_document_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("wagtailsearch", "0010_add_text_fields")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
