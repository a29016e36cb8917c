"""B1: folder listing of 10,000 documents (page of 100 + total count) as the space owner, against raw psycopg
SQL returning the same 100 rows and count(*); the query count must be the same at 100 and 10,000 documents.

Target (performance.md): ratio <= 5, constant queries. Run: `.venv/bin/python bench/ged_listing.py`.
"""

from _harness import interleaved, setup_django, summary, teardown

DB = "intranet_bench_ged_b1"


def main():
    connection = setup_django(DB)
    from django.conf import settings
    from django.test.utils import CaptureQueriesContext
    from ged_common import bulk_documents

    from ged.actions import folder_create, space_create
    from ged.permissions import access_folder, forget_grants
    from ged.queries import folder_listing
    from intranet.people.models import User

    settings.GED_PAGE_SIZE = 100
    owner = User.objects.create(username="proprietaire", first_name="Paule", last_name="Proprio")
    space = space_create(name="Archives", slug="archives", creator=owner)
    small = folder_create(parent=space.root, name="Petit", actor=owner)
    big = folder_create(parent=space.root, name="Grand", actor=owner)
    bulk_documents(small, 100, owner, prefix="Petit")
    bulk_documents(big, 10_000, owner)

    def app(folder=big):
        forget_grants(owner)
        access = access_folder(owner, folder.pk)
        listing = folder_listing(owner, access, sort="nom", page=1)
        return [r["id"] for r in listing.page.object_list], listing.page.paginator.count

    raw = connection.connection  # the same psycopg connection, no ORM
    sql_page = (
        "SELECT d.id, d.title, d.updated_at, d.lock_holder_id, "
        "d.lock_expires_at, d.folder_id, v.id, v.number, v.size, "
        "v.mime_type, a.first_name, a.last_name, l.first_name, l.last_name FROM ged_document d "
        "LEFT JOIN ged_version v ON v.id = d.current_version_id "
        "LEFT JOIN people_user a ON a.id = v.author_id "
        "LEFT JOIN people_user l ON l.id = d.lock_holder_id "
        "WHERE d.folder_id = %s AND d.trashed_at IS NULL ORDER BY d.title, d.id LIMIT 100"
    )
    sql_count = "SELECT count(*) FROM ged_document WHERE folder_id = %s AND trashed_at IS NULL"

    def base():
        with raw.cursor() as cur:
            cur.execute(sql_page, [big.pk])
            rows = [r[0] for r in cur.fetchall()]
            cur.execute(sql_count, [big.pk])
            return rows, cur.fetchone()[0]

    assert app() == base(), "the app and the baseline must return the same rows"

    def count_queries(folder):
        with CaptureQueriesContext(connection) as ctx:
            app(folder)
        return len(ctx.captured_queries)

    q_small, q_big = count_queries(small), count_queries(big)
    figures = summary(*interleaved(app, base, reps=20))
    teardown(connection, DB)
    ok = figures["ratio"] <= 5 and q_small == q_big
    print(
        f"B1 ratio={figures['ratio']:.2f} target<=5 queries={q_big} "
        f"(100 docs: {q_small}) app_ms={figures['app_ms']:.2f} "
        f"base_ms={figures['base_ms']:.2f} "
        f"iqr={figures['iqr'][0]:.2f}-{figures['iqr'][1]:.2f} db={connection.vendor} "
        f"{'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
