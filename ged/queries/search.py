"""Searching documents an agent may read. States its query count."""

import re

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, Q, Value, When, Window
from django.db.models.functions import Substr

from intranet.people.queries import accent_pattern

from ..models import Document, Space
from ..permissions import readable_documents_parts, readable_documents_sql


def search_documents(
    user, query: str, *, limit: int = 20, space: Space | None = None
) -> tuple[list[dict], int]:
    """Full text over title, description, tags and extracted text, restricted to readable documents.
    PostgreSQL: the stored search vector, French and accent-insensitive (settings.SEARCH_CONFIG), in one
    written-out statement; SQLite: case-insensitive containment through the ORM. Queries: the agent's grants
    (cached on the user object) and the page with its count (the gate's restricted folders and shares are
    subqueries of it)."""
    query = " ".join(query.split())[:200]
    if not query:
        return [], 0
    if connection.vendor == "postgresql":
        rows, total = _postgres_search(user, query, limit=limit, space=space)
    else:
        rows, total = _orm_search(user, query, limit=limit, space=space)
    for row in rows:
        if not row["in_folder"]:  # read through a share alone: its folder stays out of sight
            row["folder__name"] = ""
        row["snippet"] = _snippet(row["description"] + " " + (row["excerpt"] or ""), query)
    return rows, total


_FIELDS = ("id", "title", "description", "excerpt", "space__name", "folder__name", "total", "in_folder")
# The matching live documents the gate keeps (`readable_documents_sql`: the rule of `readable_documents_parts`
# as SQL), ranked with the count of every match (a window, before the LIMIT); the text's first characters
# are read for the kept rows only (reading them for every match cost more than the rest of the query).
_SEARCH = """
SELECT k.id, k.title, k.description, substr(x.text_content, 1, 400), k.space_name, k.folder_name, k.total,
    k.in_folder
FROM (
    SELECT d.id, d.title, d.description, d.updated_at, s.name AS space_name, f.name AS folder_name,
        {through_folders} AS in_folder, count(*) OVER () AS total,
        ts_rank(d.search_vector, websearch_to_tsquery(%(config)s::regconfig, %(q)s)) AS rank
    FROM ged_document d
    JOIN ged_folder f ON f.id = d.folder_id
    JOIN ged_space s ON s.id = d.space_id
    {joins}
    WHERE d.search_vector @@ websearch_to_tsquery(%(config)s::regconfig, %(q)s)
    AND d.trashed_at IS NULL AND NOT d.placeholder {in_space}
    AND {readable}
    ORDER BY rank DESC, d.updated_at DESC, d.id DESC
    LIMIT %(limit)s
) AS k
JOIN ged_document x ON x.id = k.id
ORDER BY k.rank DESC, k.updated_at DESC, k.id DESC
"""
_COUNT = """
SELECT count(*)
FROM ged_document d
JOIN ged_folder f ON f.id = d.folder_id
JOIN ged_space s ON s.id = d.space_id
{joins}
WHERE d.search_vector @@ websearch_to_tsquery(%(config)s::regconfig, %(q)s)
AND d.trashed_at IS NULL AND NOT d.placeholder {in_space}
AND {readable}
"""


def _postgres_search(user, query: str, *, limit: int, space: Space | None) -> tuple[list[dict], int]:
    """One statement written out: the ORM's building of the gate's filter, the window and the share
    subquery cost several times the statement's execution (the search runs on every search page)."""
    gate = readable_documents_sql(user)
    if gate is None:
        return [], 0
    params = {
        **gate.params,
        "config": settings.SEARCH_CONFIG,
        "q": search_words(query),
        "space": space.pk if space is not None else None,
        "limit": max(limit, 0),
    }
    parts = {
        "joins": gate.joins,
        "readable": gate.readable,
        "through_folders": gate.through_folders,
        "in_space": "AND d.space_id = %(space)s" if space is not None else "",
    }
    with connection.cursor() as cursor:
        if limit <= 0:
            cursor.execute(_COUNT.format(**parts), params)
            return [], cursor.fetchone()[0]
        cursor.execute(_SEARCH.format(**parts), params)
        rows = [dict(zip(_FIELDS, row, strict=True)) for row in cursor.fetchall()]
    return rows, (rows[0]["total"] if rows else 0)


def _orm_search(user, query: str, *, limit: int, space: Space | None) -> tuple[list[dict], int]:
    """SQLite: the gate's Q, every word contained in a searched column, newest first."""
    readable, through_folders = readable_documents_parts(user, restricted_in_query=True)
    qs = Document.objects.live().filter(readable)
    if space is not None:
        qs = qs.filter(space=space)
    for term in query.split():
        # Accents, ligatures and case folded as PostgreSQL's french_unaccent does (the directory's patterns:
        # SQLite's LIKE ignores the case of ASCII letters only, and never accents).
        pattern = accent_pattern(term)
        qs = qs.filter(
            Q(title__iregex=pattern)
            | Q(description__iregex=pattern)
            | Q(tags__iregex=pattern)
            | Q(text_content__iregex=pattern)
        )
    qs = qs.order_by("-updated_at", "-pk")
    if limit <= 0:
        return [], qs.count()
    # The count comes with the page (a window over every match, computed before the LIMIT): one query.
    rows = list(
        qs.annotate(
            excerpt=Substr("text_content", 1, 400),
            total=Window(Count("id")),
            in_folder=Case(When(through_folders, then=Value(True)), default=Value(False)),
        ).values(*_FIELDS)[:limit]
    )
    return rows, (rows[0]["total"] if rows else 0)


def search_words(query: str) -> str:
    """The query as the title is indexed: hyphens, underscores and dots between two word characters read
    as spaces (« compte-rendu_2026.pdf » is « compte rendu 2026 pdf »), so a file name's words find it. A
    leading « - » (websearch's exclusion) and quotes are kept."""
    return _BETWEEN_WORDS.sub(" ", query)


_BETWEEN_WORDS = re.compile(r"(?<=\w)[-_.]+(?=\w)")


def _snippet(text: str, query: str, width: int = 180) -> str:
    text = " ".join(text.split())
    lower = text.lower()
    pos = min((lower.find(t.lower()) for t in query.split() if lower.find(t.lower()) >= 0), default=0)
    start = max(0, pos - 40)
    return ("…" if start else "") + text[start : start + width] + ("…" if len(text) > start + width else "")
