"""Chat fixtures: departments, salons built through the actions, the configured channel layer, the bridge
settings pointing at the session's real Synapse (`synapse`, in tests/conftest.py)."""

import pytest


@pytest.fixture
def live_layer():
    """The channel layer the settings configure: Redis in the PostgreSQL pass (REDIS_URL), in-memory in the
    SQLite pass, as the README says. A fresh instance per test (no state left by another test's loop)."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
async def _stop_fanouts():
    """Stop this test loop's salon fan-outs before pytest-asyncio closes the loop, so that no listener is
    left waiting in a Redis read while the loop shuts down."""
    yield
    from intranet.fanout import close_all

    await close_all()


@pytest.fixture
def department(db, host_org):
    from intranet.people.actions import department_create

    def factory(name="Service informatique", slug="informatique", **fields):
        return department_create(name=name, slug=slug, organisation=host_org, **fields)

    return factory


@pytest.fixture
def colleague(make_user):
    return make_user("paul.dewitte", first_name="Paul", last_name="Dewitte")


@pytest.fixture
def outsider(make_user):
    return make_user("jeanne.verstraete", first_name="Jeanne", last_name="Verstraete")


@pytest.fixture
def project_salon(agent, colleague):
    from chat.actions import salon_create

    return salon_create(
        name="Projet PLUi", creator=agent, members=[colleague], topic="Plan local d'urbanisme"
    )


@pytest.fixture
def matrix_on(settings, synapse):
    settings.MATRIX_HOMESERVER_URL = synapse.url
    settings.MATRIX_SERVER_NAME = synapse.server_name
    settings.MATRIX_REGISTRATION_SHARED_SECRET = synapse.shared_secret
    settings.MATRIX_ADMIN_TOKEN = ""
    settings.MATRIX_OVERRIDE_RATELIMIT = True
    settings.MATRIX_REQUEST_TIMEOUT = 10
    return synapse
