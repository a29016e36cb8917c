"""B8: django-simple-history overhead on GED documents: 10,000 metadata rows in bulk
(`bulk_create_with_history` vs plain `bulk_create`), and 1,000 single saves with vs without a history row
(`skip_history_when_saving`), same model and table; prints the table sizes on PostgreSQL.

Target (performance.md): bulk <= 2x, single save <= 1.5x. Run: `.venv/bin/python bench/ged_history.py`.
"""

import time

from _harness import setup_django, teardown

DB = "intranet_bench_ged_b8"


def main():
    connection = setup_django(DB)
    from simple_history.utils import bulk_create_with_history

    from ged.actions import space_create
    from ged.models import Document
    from intranet.people.models import User

    owner = User.objects.create(username="proprietaire")
    space = space_create(name="Archives", slug="archives", creator=owner)
    folder = space.root

    def rows(prefix):
        return [Document(title=f"{prefix} {i:05}.txt", folder=folder, space=space) for i in range(10_000)]

    bulk_app, bulk_base = [], []
    for rep in range(3):
        t = time.perf_counter()
        bulk_create_with_history(rows(f"h{rep}"), Document, batch_size=1000)
        bulk_app.append(time.perf_counter() - t)
        t = time.perf_counter()
        Document.objects.bulk_create(rows(f"p{rep}"), batch_size=1000)
        bulk_base.append(time.perf_counter() - t)
    docs = list(Document.objects.order_by("pk")[:1000])
    single_app, single_base = [], []
    for rep in range(3):
        t = time.perf_counter()
        for d in docs:
            d.description = f"avec historique {rep}"
            d.save(update_fields=["description"])
        single_app.append(time.perf_counter() - t)
        t = time.perf_counter()
        for d in docs:
            d.description = f"sans historique {rep}"
            d.skip_history_when_saving = True
            d.save(update_fields=["description"])
            del d.skip_history_when_saving
        single_base.append(time.perf_counter() - t)
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
    bulk = sorted(bulk_app)[1] / sorted(bulk_base)[1]
    single = sorted(single_app)[1] / sorted(single_base)[1]
    ok = bulk <= 2 and single <= 1.5
    print(
        f"B8 bulk_ratio={bulk:.2f} target<=2 single_save_ratio={single:.2f} target<=1.5"
        f"{sizes} db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
