"""B8: django-simple-history overhead on GED documents, against the same operations without history, same
model, same table, same run, interleaved (performance.md §1):
- bulk: `B8_ROWS` documents (default 10,000) created with `bulk_create_with_history(batch_size=1000)`
  against a plain `bulk_create(batch_size=1000)`;
- single save: `B8_SAVES` documents (default 1,000) each saved once (`save(update_fields=["description"])`,
  outside any transaction, as a command or a shell would) with its history row, against the same saves with
  `skip_history_when_saving` (what a model without history does: one UPDATE in autocommit).
`B8_REPS` interleaved repetitions (default 15) after one warm-up of each; every repetition's rows are checked
(history rows written by the app side only, as many as documents touched). Prints the table sizes.

Target (performance.md): bulk <= 2x, single save <= 1.5x. Run: `.venv/bin/python bench/ged_history.py`.
"""

import itertools
import os

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_ged_b8"
ROWS = int(os.environ.get("B8_ROWS", "10000"))
SAVES = int(os.environ.get("B8_SAVES", "1000"))
REPS = int(os.environ.get("B8_REPS", "15"))


def main():
    connection = setup_django(DB)
    from simple_history.utils import bulk_create_with_history

    from ged.actions import space_create
    from ged.models import Document
    from intranet.people.models import User

    owner = User.objects.create(username="proprietaire")
    space = space_create(name="Archives", slug="archives", creator=owner)
    folder = space.root
    history = Document.history.model.objects
    runs = itertools.count()

    def rows(prefix):
        return [Document(title=f"{prefix} {i:05}.txt", folder=folder, space=space) for i in range(ROWS)]

    def bulk_app():
        bulk_create_with_history(rows(f"h{next(runs)}"), Document, batch_size=1000)

    def bulk_base():
        Document.objects.bulk_create(rows(f"p{next(runs)}"), batch_size=1000)

    docs_before, history_before = Document.objects.count(), history.count()
    bulk = summary(*interleaved(bulk_app, bulk_base, reps=REPS))
    created = (REPS + 1) * ROWS
    assert Document.objects.count() - docs_before == 2 * created, "both sides create every row"
    assert history.count() - history_before == created, "one history row per document, app side only"

    docs = list(Document.objects.order_by("pk")[:SAVES])

    def single_app():
        tag = f"avec historique {next(runs)}"
        for d in docs:
            d.description = tag
            d.save(update_fields=["description"])

    def single_base():
        tag = f"sans historique {next(runs)}"
        for d in docs:
            d.description = tag
            d.skip_history_when_saving = True
            d.save(update_fields=["description"])
            del d.skip_history_when_saving

    history_before = history.count()
    single = summary(*interleaved(single_app, single_base, reps=REPS))
    assert history.count() - history_before == (REPS + 1) * SAVES, "one history row per save, app side only"
    last = Document.objects.filter(pk__in=[d.pk for d in docs]).values_list("description", flat=True)
    assert set(last) == {docs[0].description}, "every save reached the table"

    sizes = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_total_relation_size('ged_document'), "
                "pg_total_relation_size('ged_historicaldocument')"
            )
            base_size, hist_size = cur.fetchone()
        sizes = f" base_MB={base_size / 2**20:.1f} history_MB={hist_size / 2**20:.1f}"
    teardown(connection, DB)
    ok = bulk["ratio"] <= 2 and single["ratio"] <= 1.5
    print(
        f"B8 bulk_ratio={bulk['ratio']:.2f} target<=2 single_save_ratio={single['ratio']:.2f} target<=1.5 "
        f"rows={ROWS} saves={SAVES} reps={REPS} "
        f"bulk_ms={bulk['app_ms']:.0f}/{bulk['base_ms']:.0f} "
        f"single_ms={single['app_ms']:.0f}/{single['base_ms']:.0f} "
        f"iqr={bulk['iqr'][0]:.2f}-{bulk['iqr'][1]:.2f},{single['iqr'][0]:.2f}-{single['iqr'][1]:.2f}"
        f"{sizes} db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
