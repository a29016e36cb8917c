"""Start-up checks: a wrong operations setting is an Error naming the variable (check --deploy fails)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from intranet.ops import checks
from intranet.settings.ops import database_configure


def _ids(errors):
    return [error.id for error in errors]


def test_pool_sizes_are_checked(settings, monkeypatch):
    settings.DATABASE_POOL_MAX = 0
    assert checks.check_database_pool(None) == []
    settings.DATABASE_POOL_MAX = -1
    assert _ids(checks.check_database_pool(None)) == ["ops.E001"]
    monkeypatch.setattr(checks, "_engine", lambda: "django.db.backends.postgresql")
    settings.DATABASE_POOL_MAX, settings.DATABASE_POOL_MIN, settings.DATABASE_POOL_TIMEOUT = 2, 5, 0
    errors = checks.check_database_pool(None)
    assert _ids(errors) == ["ops.E003", "ops.E004"]
    assert "DATABASE_POOL_MIN (5)" in errors[0].msg and "DATABASE_POOL_MAX (2)" in errors[0].msg
    settings.DATABASE_POOL_MIN, settings.DATABASE_POOL_TIMEOUT = 2, 10
    assert checks.check_database_pool(None) == []


def test_pool_on_sqlite_is_refused(settings, monkeypatch):
    monkeypatch.setattr(checks, "_engine", lambda: "django.db.backends.sqlite3")
    settings.DATABASE_POOL_MAX = 4
    assert _ids(checks.check_database_pool(None)) == ["ops.E005"]


@pytest.mark.parametrize(
    ("prefix", "ok"), [("", True), ("/_ged_blobs/", True), ("_ged/", False), ("/_ged", False)]
)
def test_accel_prefix_must_start_and_end_with_a_slash(settings, prefix, ok):
    settings.GED_ACCEL_REDIRECT_PREFIX = prefix
    errors = checks.check_accel_prefix(None)
    assert (errors == []) is ok
    if not ok:
        assert errors[0].id == "ops.E010" and "GED_ACCEL_REDIRECT_PREFIX" in errors[0].msg


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("redis://127.0.0.1:6379/15", True),
        ("rediss://cache.ccfi.example:6380/0", True),
        ("unix:///run/redis/redis.sock", True),
        ("http://127.0.0.1:6379", False),
        ("127.0.0.1:6379", False),
        ("redis://127.0.0.1:port/0", False),
    ],
)
def test_redis_url_scheme(settings, url, ok):
    settings.REDIS_URL = url
    errors = checks.check_redis_url(None)
    assert (errors == []) is ok
    if not ok:
        assert errors[0].id == "ops.E020" and "REDIS_URL" in errors[0].msg


def test_check_deploy_fails_on_a_wrong_setting(settings):
    settings.GED_ACCEL_REDIRECT_PREFIX = "ged"
    with pytest.raises(SystemCheckError, match="GED_ACCEL_REDIRECT_PREFIX"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_database_configure_sets_pool_jit_and_application_name(monkeypatch):
    from intranet.settings import ops

    monkeypatch.setattr(ops, "DATABASE_POOL_MAX", 8)
    monkeypatch.setattr(ops, "DATABASE_POOL_MIN", 2)
    monkeypatch.setattr(ops, "DATABASE_POOL_TIMEOUT", 5.0)
    db = database_configure({"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 60})
    assert db["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 8, "timeout": 5.0}
    assert db["OPTIONS"]["options"] == "-c jit=off" and db["OPTIONS"]["application_name"] == "intranet"
    assert db["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    assert database_configure(dict(sqlite)) == sqlite


@pytest.mark.django_db
def test_jit_is_off_on_every_postgresql_connection():
    """SHOW jit on the test database's own connection (options=-c jit=off from settings)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("jit is a PostgreSQL setting (SHOW jit); SQLite has none")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW application_name")
        assert cursor.fetchone()[0] == "intranet"
