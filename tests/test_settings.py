"""Configuration: every tunable from the environment; a missing or malformed one stops start-up, named."""

import os
import subprocess
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]


def _check(settings_module, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    clean.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_django_is_at_least_5_2_14():
    """CVE-2026-5766: an understated Content-Length bypassed the upload memory limit under ASGI."""
    assert django.VERSION >= (5, 2, 14)


def test_production_without_secret_key_names_the_variable():
    result = _check("intranet.settings.production", ALLOWED_HOSTS="intranet.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "obligatoire" in result.stderr


def test_malformed_integer_names_the_variable():
    result = _check("intranet.settings.dev", SESSION_COOKIE_AGE="dix heures")
    assert result.returncode != 0
    assert "SESSION_COOKIE_AGE" in result.stderr and "invalide" in result.stderr


def test_retention_outside_cnil_range_is_refused():
    result = _check("intranet.settings.dev", AUDIT_RETENTION_DAYS="3000")
    assert result.returncode != 0 and "AUDIT_RETENTION_DAYS" in result.stderr


def test_production_refuses_weak_secret_and_requires_redis():
    weak = _check(
        "intranet.settings.production",
        SECRET_KEY="court",
        ALLOWED_HOSTS="x",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert weak.returncode != 0 and "SECRET_KEY" in weak.stderr
    strong = "k" * 20 + "Z9x-" * 10
    no_redis = _check(
        "intranet.settings.production",
        SECRET_KEY=strong,
        ALLOWED_HOSTS="x",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert no_redis.returncode != 0 and "REDIS_URL" in no_redis.stderr


def test_dev_settings_start_with_nothing_configured():
    result = _check("intranet.settings.dev")
    assert result.returncode == 0, result.stderr
