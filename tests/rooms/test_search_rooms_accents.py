"""The rooms search source ignores accents and case like every search source of the global search."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _titles(user, query):
    from intranet.registry import search_sources

    source = next(s for s in search_sources() if s.key == "rooms")
    hits, total = source.search(user, query, 10)
    assert total == len(hits)
    return sorted(h.title for h in hits)


def test_unaccented_words_find_rooms(world):
    assert _titles(world.agent, "visioconference") == ["Salle moyenne"]
    assert _titles(world.agent, "VIDEOPROJECTEUR grande") == ["Grande salle"]
    assert _titles(world.agent, "hotel sockeel") == ["Grande salle"]
    assert _titles(world.agent, "siège conseil") == ["Salle du conseil"]
    assert _titles(world.agent, "siege conseil") == ["Salle du conseil"]
    assert _titles(world.agent, "piscine") == []


def test_count_past_the_limit_comes_with_the_hits(world, django_assert_num_queries):
    """One query: the total of every matching room comes with the first hits (a window), no second COUNT."""
    from intranet.registry import search_sources

    source = next(s for s in search_sources() if s.key == "rooms")
    every_hit, every_total = source.search(world.agent, "salle", 10)
    assert every_total == len(every_hit) >= 3
    with django_assert_num_queries(1):
        hits, total = source.search(world.agent, "salle", 1)
    assert total == every_total and [h.title for h in hits] == [every_hit[0].title]
    assert source.search(world.agent, "piscine", 1) == ([], 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="text-search configurations are PostgreSQL's")
def test_rooms_use_the_configuration_of_every_source(world, django_assert_num_queries):
    """PostgreSQL: one written-out statement in settings.SEARCH_CONFIG (French, unaccented), like pages,
    people and documents: plurals and accents alike, websearch syntax (« -mot » excludes), a count alone
    too."""
    from intranet.registry import search_sources

    assert _titles(world.agent, "salles videoprojecteurs") == [
        "Grande salle",
        "Petite salle",
        "Salle du conseil",
        "Salle moyenne",
    ]
    assert _titles(world.agent, "salle -siège") == ["Grande salle"]
    assert _titles(world.agent, "Cassel") == []  # the address is not searched, as before
    source = next(s for s in search_sources() if s.key == "rooms")
    with CaptureQueriesContext(connection) as ctx:
        assert source.search(world.agent, "salle", 0) == ([], 5)
    assert len(ctx.captured_queries) == 1
    assert f"'{settings.SEARCH_CONFIG}'::regconfig" in ctx.captured_queries[0]["sql"]
    with django_assert_num_queries(1):
        source.search(world.agent, "salle conseil", 5)
