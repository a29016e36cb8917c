import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Fixtures that start a production engine (Synapse, SeaweedFS S3, the nginx + uvicorn production shape). Tests
# using them are marked `engines`: CI runs them once, in its PostgreSQL pass, since production runs them on
# PostgreSQL and the embedded default (SQLite) has none of them.
ENGINE_FIXTURES = {"synapse", "seaweed", "own_seaweed", "shape", "s3_shape", "live_shape"}


def pytest_configure(config):
    _flush_only_tables_with_rows()


KEPT_TABLES = {"django_content_type", "auth_permission"}


def _flush_only_tables_with_rows():
    """Transactional tests (live servers, browsers, threads) end with a flush of every table. On PostgreSQL,
    Django's flush is one TRUNCATE of all 187 tables: about half a second each time, since every truncated
    table gets new files, even an empty one (6.5 minutes of CI teardowns). Here one statement (a DO block)
    empties only the tables that hold a row: DELETE, foreign keys checked at commit (Django's are deferrable),
    or TRUNCATE for a table whose rows a trigger keeps (the append-only access log). The result is the same
    empty database. Tests only: the `flush` command of production is untouched."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    if getattr(DatabaseOperations.sql_flush, "tests_only_rows", False):
        return
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:  # keep Django's own statement for those cases
            return original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # Content types and permissions are the same rows after every flush (post_migrate writes them back
        # at once): kept, so that it finds them instead of inserting some 900 rows again.
        names = ", ".join(self.quote_name(t).replace("'", "''") for t in tables if t not in KEPT_TABLES)
        block = f"""DO $flush$
DECLARE
    name text;
    has_rows boolean;
    kept text[] := ARRAY[]::text[];
BEGIN
    SET CONSTRAINTS ALL DEFERRED;
    FOREACH name IN ARRAY string_to_array('{names}', ', ') LOOP
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM ' || name || ')' INTO STRICT has_rows;
        CONTINUE WHEN NOT has_rows;
        IF EXISTS (
            SELECT 1 FROM pg_trigger
            WHERE tgrelid = name::regclass AND NOT tgisinternal AND (tgtype & 8) <> 0
        ) THEN
            kept := kept || name;
        ELSE
            EXECUTE 'DELETE FROM ' || name;
        END IF;
    END LOOP;
    IF array_length(kept, 1) > 0 THEN
        EXECUTE 'TRUNCATE ' || array_to_string(kept, ', ');
    END IF;
END
$flush$"""
        return [block]

    sql_flush.tests_only_rows = True
    DatabaseOperations.sql_flush = sql_flush


def pytest_collection_modifyitems(items):
    """Browser journeys are marked `browser` and run last: Playwright's sync API keeps an event loop in the
    main thread for the rest of the session, which async tests could not share. Tests starting a production
    engine are marked `engines`."""
    for item in items:
        if ENGINE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.engines)
    browser = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in browser] + browser


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (host name, admin-link permission)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _test_client_logins_present_second_factor(monkeypatch):
    """`client.force_login()` and `client.login()` are the tests' shortcuts past the login form; for staff and
    superusers they go past the second factor step too, as if the agent had typed their code (a TOTP device
    with a fixed key, tests/twofactor/helpers.py). Without it every admin test would first have to enrol.
    Tests of the step itself log in through the login page (`client.post("/connexion/", ...)`), which this
    does not touch."""
    from asgiref.sync import sync_to_async
    from django.test.client import ClientMixin

    from tests.twofactor.helpers import is_staff, verify_session

    login, alogin = ClientMixin._login, ClientMixin._alogin

    def _login(self, user, backend=None):
        login(self, user, backend)
        if is_staff(user):
            verify_session(self.session, user)

    async def _alogin(self, user, backend=None):
        await alogin(self, user, backend)
        if is_staff(user):
            await sync_to_async(verify_session)(await self.asession(), user)

    monkeypatch.setattr(ClientMixin, "_login", _login)
    monkeypatch.setattr(ClientMixin, "_alogin", _alogin)


@pytest.fixture
def host_org(db):
    from intranet.people.choices import OrganisationKind
    from intranet.people.models import Organisation

    return Organisation.objects.create(
        name="Communauté de communes de Flandre Intérieure",
        short_name="CCFI",
        kind=OrganisationKind.INTERCOMMUNALITY,
        is_host=True,
        siren="200040947",
    )


@pytest.fixture
def make_user(db):
    """Users built the way the app builds them; `password` is always « pw-test-123456 »."""
    from django.contrib.auth import get_user_model

    counter = {"n": 0}

    def factory(username=None, *, superuser=False, **fields):
        counter["n"] += 1
        username = username or f"agent{counter['n']}"
        user = get_user_model()(
            username=username,
            first_name=fields.pop("first_name", "Agent"),
            last_name=fields.pop("last_name", f"N{counter['n']}"),
            email=f"{username}@ccfi.example",
            is_superuser=superuser,
            is_staff=fields.pop("is_staff", superuser),
            **fields,
        )
        user.set_password("pw-test-123456")
        user.save()
        return user

    return factory


@pytest.fixture
def agent(make_user):
    return make_user("marie.dupont", first_name="Marie", last_name="Dupont")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture(scope="session")
def synapse():
    """One real homeserver for the whole session, with relaxed rate limits (tests/chat/synapse.py): the
    chat's bridge tests and the production shape's bridge (tests/deploy) share it."""
    from tests.chat.synapse import Synapse

    server = Synapse().start()
    yield server
    server.cleanup()
