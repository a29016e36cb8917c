"""Document.title_key (NFC + casefold of the title) and a partial unique index on live documents per folder.

Existing collisions (two live documents of one folder whose names differ only by case or Unicode form, which
the old `iexact` checks let through on SQLite for non-ASCII letters, and imports or races let through
everywhere) are resolved before the index is created: the oldest keeps its name, the others get « (2) »,
« (3) »… before the extension, as the application's own rule does (ged.actions.titles).
"""

import unicodedata

from django.db import migrations, models


def _key(title):
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", title or "").casefold())


def _numbered(title, n):
    stem, dot, ext = title.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot and stem else f"{title} ({n})"


def fill_title_keys(apps, schema_editor):
    Document = apps.get_model("ged", "Document")
    taken, batch = set(), []
    for doc in Document.objects.order_by("pk").only("pk", "folder_id", "title", "trashed_at").iterator():
        original, doc.title_key = doc.title, _key(doc.title)
        if doc.trashed_at is None:
            n = 1
            while (doc.folder_id, doc.title_key) in taken:
                n += 1
                doc.title = _numbered(original, n)
                doc.title_key = _key(doc.title)
            taken.add((doc.folder_id, doc.title_key))
        batch.append(doc)
        if len(batch) >= 1000:
            Document.objects.bulk_update(batch, ["title", "title_key"])
            batch = []
    Document.objects.bulk_update(batch, ["title", "title_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("ged", "0006_document_grant"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="title_key",
            field=models.CharField(default="", editable=False, max_length=1024),
        ),
        migrations.RunPython(fill_title_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.UniqueConstraint(
                condition=models.Q(("trashed_at__isnull", True)),
                fields=("folder", "title_key"),
                name="ged_document_live_title_unique",
            ),
        ),
    ]
