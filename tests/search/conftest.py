import pytest

from intranet import registry
from intranet.registry import SearchHit
from tests.news.conftest import client_for, portal, publish  # noqa: F401  (shared fixtures)

SECRET_ROOMS = {"Salle du conseil": False, "Salle des mariages": True, "Bureau du président": True}


@pytest.fixture
def rooms_source(portal):  # noqa: F811  (the fixture imported above)
    """A registered source that, like the real ones, hides what the user may not open: only the
    communication manager sees the restricted rooms. A constant number of queries (none)."""

    def search(user, query, limit):
        visible = [
            name
            for name, restricted in SECRET_ROOMS.items()
            if query.lower().split()[0][:4] in name.lower()
            and (not restricted or user.pk == portal.manager.pk)
        ]
        hits = [
            SearchHit(title=name, url=f"/salles/{i}/", snippet=f"{name} <b>au siège</b>", meta="Hazebrouck")
            for i, name in enumerate(visible)
        ]
        return hits[:limit], len(hits)

    registry.register_search_source(key="rooms-test", label="Salles", search=search)
    yield
    registry._registry.search_sources.pop("rooms-test", None)
