"""PROPFIND Depth 1 is set-based: the same number of queries for a folder of 10 and of 10,000 documents."""

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from ged.choices import Role
from ged.models import Blob, Document, Version


def _fill(folder, count: int, author) -> None:
    """`count` documents with one version each, in bulk (the listing is what is measured, not the upload)."""
    blob = Blob.objects.get_or_create(sha256="a" * 64, defaults={"size": 5})[0]
    Document.objects.bulk_create(
        [
            Document(title=f"doc-{folder.pk}-{i:05}.txt", folder=folder, space_id=folder.space_id)
            for i in range(count)
        ],
        batch_size=1000,
    )
    docs = Document.objects.filter(folder=folder)
    Version.objects.bulk_create(
        [
            Version(
                document_id=pk, number=1, blob=blob, size=5, mime_type="text/plain", original_name="d.txt"
            )
            for pk in docs.values_list("pk", flat=True)
        ],
        batch_size=1000,
    )
    docs.update(
        current_version=Subquery(Version.objects.filter(document=OuterRef("pk"), number=1).values("pk")[:1])
    )


def _count(dav, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = dav.propfind(path)
    assert response.status_code == 207
    return len(ctx.captured_queries), response.content.count(b"<ns0:response>") or response.content.count(
        b"response>"
    )


def test_propfind_depth1_query_count_is_constant(wsgi_dav, space, subfolder, make_user, grant):
    """An agent with an inherited contributor role lists a folder of 10, then of 10,000 documents, with the
    same queries."""
    agent = make_user("agent")
    grant(space.root, Role.CONTRIBUTOR, user=agent)
    small, big = subfolder(space.root, "Petit"), subfolder(space.root, "Grand")
    _fill(small, 10, agent)
    _fill(big, 10_000, agent)
    dav = wsgi_dav(agent)
    dav.propfind("/dav/rh/Petit")  # the app password's first use is recorded once (a write of its own)
    small_queries, _ = _count(dav, "/dav/rh/Petit")
    big_queries, _ = _count(dav, "/dav/rh/Grand")
    assert len(dav.names("/dav/rh/Grand")) == 10_000
    assert small_queries == big_queries, (small_queries, big_queries)
    # 18 on SQLite and PostgreSQL: authentication (throttle row, app password), the space, the grants, the
    # path's folders, the child folders, the documents, and what the lock storage and the property store read
    # once per request (ged/webdav/locks.py, props.py); none of them grows with the folder.
    assert small_queries == 18, small_queries
