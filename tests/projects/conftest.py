import pytest

from tests.chat.conftest import _stop_fanouts  # noqa: F401  (board sockets use the same process fan-out)


@pytest.fixture
def lead(make_user):
    return make_user("claire.lead", first_name="Claire", last_name="Martin")


@pytest.fixture
def colleague(make_user):
    return make_user("paul.collegue", first_name="Paul", last_name="Durand")


@pytest.fixture
def outsider(make_user):
    return make_user("olga.dehors", first_name="Olga", last_name="Dehors")


@pytest.fixture
def make_workspace(lead):
    from projects.actions import workspace_create

    def factory(name="Schéma cyclable", **kwargs):
        kwargs.setdefault("creator", lead)
        return workspace_create(name=name, **kwargs)

    return factory
