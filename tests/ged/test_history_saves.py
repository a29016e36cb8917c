"""History of spaces, folders and documents (intranet/history.py): a save and its history row are one
transaction, and the activity pages read the historical tables through their composite indexes."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, models
from django.test.utils import CaptureQueriesContext
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from ged.models import Document, Folder
from ged.queries import activity
from intranet.history import HistoricalRecords


def _document(space, title="note.txt"):
    return Document.objects.create(title=title, folder=space.root, space=space)


@pytest.mark.django_db(transaction=True)
def test_a_save_whose_history_row_fails_is_undone(space):
    """Outside any transaction, a history row that cannot be written undoes the save it records."""
    doc = _document(space)
    rows = Document.history.filter(id=doc.pk).count()

    def refuse(sender, **kwargs):
        raise RuntimeError("history refused")

    pre_create_historical_record.connect(refuse, sender=Document.history.model, dispatch_uid="test-refuse")
    try:
        doc.description = "modifiée"
        with pytest.raises(RuntimeError):
            doc.save(update_fields=["description"])
    finally:
        pre_create_historical_record.disconnect(sender=Document.history.model, dispatch_uid="test-refuse")
    doc.refresh_from_db()
    assert doc.description == ""
    assert Document.history.filter(id=doc.pk).count() == rows

    # Control: the same save goes through once the history row can be written.
    doc.description = "modifiée"
    doc.save(update_fields=["description"])
    doc.refresh_from_db()
    assert doc.description == "modifiée"
    assert Document.history.filter(id=doc.pk).count() == rows + 1


@pytest.mark.django_db(transaction=True)
def test_a_save_commits_once_with_its_history_row(space):
    """Outside any transaction: on PostgreSQL the update and the history insert are one statement (atomic by
    itself, no BEGIN / COMMIT); elsewhere they run between one BEGIN and its COMMIT. A save that writes no
    history (`skip_history_when_saving`) stays a single statement."""
    doc = _document(space)
    doc.description = "avec historique"
    with CaptureQueriesContext(connection) as ctx:
        doc.save(update_fields=["description"])
    verbs = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    if connection.vendor == "postgresql":
        assert verbs == ["WITH"]
        sql = ctx.captured_queries[0]["sql"]
        assert sql.index('UPDATE "ged_document"') < sql.index('INSERT INTO "ged_historicaldocument"')
    else:
        assert verbs[0] == "BEGIN"
        assert verbs[1:3] == ["UPDATE", "INSERT"]
    assert connection.get_autocommit()

    doc.description = "sans historique"
    with CaptureQueriesContext(connection) as ctx:
        doc.save_without_historical_record(update_fields=["description"])
    assert [q["sql"].split()[0].upper() for q in ctx.captured_queries] == ["UPDATE"]


@pytest.mark.django_db
def test_the_history_row_is_the_one_simple_history_writes(space, manager):
    """Whatever the path, the history row of a save holds the saved values, the user, the change reason and
    the type, and the historical model's signals see it with its primary key."""
    doc = _document(space)
    seen = []

    def created(sender, history_instance, instance, **kwargs):
        seen.append((history_instance.pk, instance.pk))

    post_create_historical_record.connect(created, sender=Document.history.model, dispatch_uid="test-seen")
    try:
        doc.title = "renommé.txt"
        doc.description = "décrite"
        doc._history_user = manager
        doc._change_reason = "update"
        with CaptureQueriesContext(connection) as ctx:
            doc.save()
    finally:
        post_create_historical_record.disconnect(sender=Document.history.model, dispatch_uid="test-seen")
    if connection.vendor == "postgresql":
        assert len(ctx.captured_queries) == 1  # inside the test's transaction too: one round trip
    last = Document.history.filter(id=doc.pk).latest("history_date")
    assert (last.title, last.description, last.history_type) == ("renommé.txt", "décrite", "~")
    assert (last.history_user_id, last.history_change_reason) == (manager.pk, "update")
    assert (last.space_id, last.folder_id) == (space.pk, space.root.pk)
    assert seen == [(last.pk, doc.pk)]


@pytest.mark.django_db(transaction=True)
def test_a_save_of_a_vanished_row(space):
    """A save whose row was deleted meanwhile: with `update_fields` it fails and writes no history row;
    without, Django inserts the row again and its history row says so (« + »), in one transaction."""
    doc = _document(space)
    Document.objects.filter(pk=doc.pk).delete()
    rows = Document.history.filter(id=doc.pk).count()
    doc.description = "revenue"
    with pytest.raises(DatabaseError):
        doc.save(update_fields=["description"])
    assert Document.history.filter(id=doc.pk).count() == rows

    with CaptureQueriesContext(connection) as ctx:
        doc.save()
    verbs = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    assert "INSERT" in verbs and verbs[-1] == "COMMIT"
    assert verbs.index("BEGIN") < verbs.index("INSERT")
    assert connection.get_autocommit()
    assert Document.objects.get(pk=doc.pk).description == "revenue"
    assert Document.history.filter(id=doc.pk).latest("history_date").history_type == "+"


def test_history_needs_saved_with_history():
    """A model with the project's HistoricalRecords but without SavedWithHistory is refused at start-up."""
    with pytest.raises(ImproperlyConfigured, match="SavedWithHistory"):

        class Loose(models.Model):
            history = HistoricalRecords()

            class Meta:
                app_label = "ged"


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="query plans are PostgreSQL's")
def test_activity_reads_history_through_its_indexes(space, manager):
    """The document's, the folder's and the space's activity read their history rows through the composite
    (object or space, date) indexes: no scan of the whole historical table."""
    doc = _document(space)
    plans = {}
    for name, kwargs in {
        "ged_hdoc_id_date": {"document": doc},
        "ged_hfolder_id_date": {"folder": space.root},
        "ged_hdoc_space_date": {"space": space},
    }.items():
        with CaptureQueriesContext(connection) as ctx:
            activity(**kwargs)
        history_sql = [q["sql"] for q in ctx.captured_queries if "_historical" in q["sql"]]
        assert len(history_sql) == 1
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + history_sql[0])
            plans[name] = "\n".join(row[0] for row in cur.fetchall())
    for name, plan in plans.items():
        assert name in plan, plan
    assert Folder.history.model._meta.db_table in plans["ged_hfolder_id_date"]
