"""The text-search configuration of every search source: French stemming without accents.

`french_unaccent` is `french` with `unaccent` before the stemmer, so « conge » finds « Congés » and
« Procedure d'accueil » finds « Procédure d’accueil ». Wagtail's index (pages) and the GED's stored vectors
use it (settings.SEARCH_CONFIG); vectors stored before this migration need `manage.py update_index` (pages;
the GED's are rebuilt by its own migration). PostgreSQL only: SQLite searches with FTS5 and containment.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CREATE = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("intranet_search", "0001_indexentry_document_gin")]
    operations = [UnaccentExtension(), migrations.RunPython(create, drop, elidable=False)]
