"""Migration 0007 on a database that already holds colliding names: the oldest live document keeps its name,
the others become « Note (2).txt », « Note (3).txt »; trashed documents keep theirs; every key is filled and
the partial unique index then holds."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ged.models import Document
from ged.names import title_key

BEFORE = [("ged", "0006_document_grant")]


@pytest.mark.django_db(transaction=True)
def test_existing_collisions_are_renamed_before_the_index(space, subfolder):
    other = subfolder(space.root, "Autre")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps.get_model("ged", "Document")
        rows = [
            ("Note.txt", space.root_id, False),
            ("NOTE.txt", space.root_id, False),
            ("note.txt", space.root_id, True),  # in the trash: not counted, keeps its name
            ("note.TXT", space.root_id, False),
            ("Note.txt", other.pk, False),  # another folder: no collision
            ("Lisez-moi", space.root_id, False),
            ("LISEZ-MOI", space.root_id, False),
        ]
        pks = []
        for title, folder_id, trashed in rows:
            doc = old.objects.create(
                title=title,
                folder_id=folder_id,
                space_id=space.pk,
                trashed_at="2026-01-01T00:00:00Z" if trashed else None,
            )
            pks.append(doc.pk)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    titles = dict(Document.objects.filter(pk__in=pks).values_list("pk", "title"))
    assert [titles[pk] for pk in pks] == [
        "Note.txt",
        "NOTE (2).txt",
        "note.txt",
        "note (3).TXT",
        "Note.txt",
        "Lisez-moi",
        "LISEZ-MOI (2)",
    ]
    for doc in Document.objects.filter(pk__in=pks):
        assert doc.title_key == title_key(doc.title)
