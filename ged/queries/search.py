"""Searching documents an agent may read. States its query count."""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Count, F, Q, Value, When, Window
from django.db.models.functions import Substr

from ..models import Document, Space
from ..permissions import readable_documents_parts


def search_documents(
    user, query: str, *, limit: int = 20, space: Space | None = None
) -> tuple[list[dict], int]:
    """Full text over title, description, tags and extracted text, restricted to readable documents.
    PostgreSQL: the stored search vector, French and accent-insensitive (settings.SEARCH_CONFIG); SQLite:
    case-insensitive containment. Queries: the agent's grants (cached on the user object) and the page with
    its count (the restricted folders and the shares are subqueries of it)."""
    query = " ".join(query.split())[:200]
    if not query:
        return [], 0
    readable, through_folders = readable_documents_parts(user, restricted_in_query=True)
    qs = Document.objects.live().filter(readable)
    if space is not None:
        qs = qs.filter(space=space)
    if connection.vendor == "postgresql":
        # The stored vector (trigger, GIN index) in the one configuration of every search source.
        search = SearchQuery(search_words(query), config=settings.SEARCH_CONFIG, search_type="websearch")
        qs = (
            qs.filter(search_vector=search)
            .annotate(rank=SearchRank(F("search_vector"), search))
            .order_by("-rank", "-updated_at")
        )
    else:
        terms = query.split()
        for term in terms:
            qs = qs.filter(
                Q(title__icontains=term)
                | Q(description__icontains=term)
                | Q(tags__icontains=term)
                | Q(text_content__icontains=term)
            )
        qs = qs.order_by("-updated_at")
    if limit <= 0:
        return [], qs.count()
    # The count comes with the page (a window over every match, computed before the LIMIT): one query.
    fields = ("id", "title", "description", "excerpt", "space__name", "folder__name", "total", "in_folder")
    rows = list(
        qs.annotate(
            excerpt=Substr("text_content", 1, 400),
            total=Window(Count("id")),
            in_folder=Case(When(through_folders, then=Value(True)), default=Value(False)),
        ).values(*fields)[:limit]
    )
    total = rows[0]["total"] if rows else 0
    for row in rows:
        if not row["in_folder"]:  # read through a share alone: its folder stays out of sight
            row["folder__name"] = ""
        row["snippet"] = _snippet(row["description"] + " " + (row["excerpt"] or ""), query)
    return rows, total


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
