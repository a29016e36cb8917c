"""The rooms search source ignores accents and case like every search source of the global search."""

import pytest

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
