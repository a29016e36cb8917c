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
