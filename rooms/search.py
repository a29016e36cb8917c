"""The rooms' source of the global search (registered in apps.py). States its query count: one."""

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Window
from django.urls import reverse

from intranet.people.queries import accent_pattern
from intranet.registry import SearchHit

from .models import Room

# Active rooms whose words (name, site, building, commune, description, equipment) match the query in the
# configuration of every search source (French, accent-insensitive: « salle des fetes » finds « Salle des
# fêtes »), in name order, with the count of every match (a window, before the LIMIT). A few hundred rooms:
# their text is put into words at each search (about 5 µs a room), no stored vector to keep in step with
# sites, communes and equipment.
_MATCH = """
FROM rooms_room r
JOIN rooms_site s ON s.id = r.site_id
LEFT JOIN people_organisation c ON c.id = s.commune_id
WHERE r.is_active AND to_tsvector(%(config)s::regconfig, concat_ws(' ', r.name, s.name, s.building, c.name,
    r.description, (
        SELECT string_agg(e.name, ' ') FROM rooms_room_equipment re
        JOIN rooms_equipment e ON e.id = re.equipment_id WHERE re.room_id = r.id
    ))) @@ websearch_to_tsquery(%(config)s::regconfig, %(q)s)
"""
_PAGE = (
    "SELECT r.id, r.name, r.description, s.name, r.capacity, count(*) OVER ()"
    + _MATCH
    + "ORDER BY r.name, r.id LIMIT %(limit)s"
)
_COUNT = "SELECT count(*)" + _MATCH


def search(user, query: str, limit: int) -> tuple[list[SearchHit], int]:
    """(the first `limit` rooms as hits, the count of every match). Every agent sees every active room.
    PostgreSQL: one written-out statement; SQLite: the directory's accent patterns, every word in some field.
    One query either way."""
    if connection.vendor == "postgresql":
        rows, total = _postgres_rooms(query, limit)
    else:
        rows, total = _orm_rooms(query, limit)
    hits = [
        SearchHit(
            title=name,
            url=reverse("rooms:room", args=[pk]),
            snippet=(description or "")[:200],
            meta=f"{site} · {capacity} places",
        )
        for pk, name, description, site, capacity in rows
    ]
    return hits, total


def _postgres_rooms(query: str, limit: int) -> tuple[list[tuple], int]:
    params = {"config": settings.SEARCH_CONFIG, "q": query, "limit": limit}
    with connection.cursor() as cursor:
        if not limit:
            cursor.execute(_COUNT, params)
            return [], cursor.fetchone()[0]
        cursor.execute(_PAGE, params)
        rows = cursor.fetchall()
    return [row[:5] for row in rows], (rows[0][5] if rows else 0)


def _orm_rooms(query: str, limit: int) -> tuple[list[tuple], int]:
    rooms = Room.objects.active()
    for word in query.split()[:6]:
        pattern = accent_pattern(word)
        rooms = rooms.filter(
            Q(name__iregex=pattern)
            | Q(site__name__iregex=pattern)
            | Q(site__building__iregex=pattern)
            | Q(site__commune__name__iregex=pattern)
            | Q(description__iregex=pattern)
            | Exists(
                Room.equipment.through.objects.filter(room_id=OuterRef("pk"), equipment__name__iregex=pattern)
            )
        )
    if not limit:
        return [], rooms.count()
    rows = list(
        rooms.annotate(search_total=Window(Count("id")))
        .order_by("name", "pk")
        .values_list("pk", "name", "description", "site__name", "capacity", "search_total")[:limit]
    )
    return [row[:5] for row in rows], (rows[0][5] if rows else 0)
