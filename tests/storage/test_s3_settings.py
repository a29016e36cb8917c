"""A half-given S3 configuration stops start-up with a system check error naming the variable."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from intranet.storage.backends import BlobS3Storage

ROOT = Path(__file__).resolve().parents[2]


def _errors():
    return [e for e in checks.run_checks() if e.id == "intranet.E010"]


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"S3_BUCKET": "ccfi"}, "S3_ACCESS_KEY_ID"),
        ({"S3_BUCKET": "ccfi", "S3_ACCESS_KEY_ID": "AK"}, "S3_SECRET_ACCESS_KEY"),
        ({"S3_ACCESS_KEY_ID": "AK", "S3_SECRET_ACCESS_KEY": "sk"}, "S3_BUCKET"),
        ({"S3_ENDPOINT_URL": "http://127.0.0.1:8333"}, "S3_BUCKET"),
        ({"S3_PROXY_THROUGH_NGINX": True}, "S3_BUCKET"),
        (
            {
                "S3_BUCKET": "b",
                "S3_ACCESS_KEY_ID": "a",
                "S3_SECRET_ACCESS_KEY": "s",
                "S3_ENDPOINT_URL": "s3.local",
            },
            "S3_ENDPOINT_URL",
        ),
        (
            {
                "S3_BUCKET": "b",
                "S3_ACCESS_KEY_ID": "a",
                "S3_SECRET_ACCESS_KEY": "s",
                "S3_PROXY_THROUGH_NGINX": True,
            },
            "S3_NGINX_PREFIX",
        ),
        (
            {"S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "a", "S3_SECRET_ACCESS_KEY": "s", "S3_PRESIGN_SECONDS": 0},
            "S3_PRESIGN_SECONDS",
        ),
        (
            {
                "S3_BUCKET": "b",
                "S3_ACCESS_KEY_ID": "a",
                "S3_SECRET_ACCESS_KEY": "s",
                "S3_MULTIPART_CHUNK_MB": 1,
            },
            "S3_MULTIPART_CHUNK_MB",
        ),
    ],
)
def test_incoherent_setting_is_named(settings, given, named):
    for name, value in given.items():
        setattr(settings, name, value)
    errors = _errors()
    assert errors, given
    assert any(named in e.msg for e in errors), [e.msg for e in errors]
    # The storage refuses to start too (workers do not run `manage.py check`).
    with pytest.raises(ImproperlyConfigured, match=named):
        BlobS3Storage(bucket_name="b")


def test_complete_configuration_and_none_are_accepted(settings):
    assert _errors() == []
    settings.S3_BUCKET, settings.S3_ACCESS_KEY_ID, settings.S3_SECRET_ACCESS_KEY = "ccfi", "AK", "sk"
    settings.S3_ENDPOINT_URL = "https://s3.example.fr"
    assert _errors() == []


def test_manage_check_stops_naming_the_variable():
    """The real start-up: environment variables read by settings/storage.py, `manage.py check` fails."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("S3_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(DJANGO_SETTINGS_MODULE="intranet.settings.dev", S3_BUCKET="ccfi-fichiers")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    # The storage refuses to be built (a model builds it at import) before the check runs: either way the
    # process stops, naming both missing variables.
    assert result.returncode != 0
    assert "S3_ACCESS_KEY_ID" in result.stderr and "S3_SECRET_ACCESS_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr or "intranet.E010" in result.stderr


def _ged_options(settings, **options):
    """Change the GED store's options (a fresh STORAGES, so that Django builds the store again)."""
    changed = {**settings.STORAGES, "ged": {**settings.STORAGES["ged"]}}
    changed["ged"]["OPTIONS"] = {**changed["ged"]["OPTIONS"], **options}
    settings.STORAGES = changed


def _reachability_errors():
    from intranet.storage.checks import check_s3_reachable

    return [(e.id, e.msg) for e in check_s3_reachable(None)]


def test_deploy_check_reaches_the_bucket(settings, seaweed):
    """`check --deploy` (each unit's ExecStartPre) HEADs the bucket with the given key: a wrong secret, a
    bucket that does not exist or an endpoint that does not answer stop the start, naming the variable."""
    from django.core.checks.registry import registry

    from intranet.storage.checks import check_s3_reachable
    from tests.seaweed import use_s3

    assert check_s3_reachable in registry.get_checks(include_deployment_checks=True)
    assert check_s3_reachable not in registry.get_checks()
    use_s3(settings, seaweed)
    assert _reachability_errors() == []

    use_s3(settings, seaweed, S3_SECRET_ACCESS_KEY="not-the-secret")
    _ged_options(settings, secret_key="not-the-secret")
    [(code, message)] = _reachability_errors()
    assert code == "intranet.E011" and "S3_SECRET_ACCESS_KEY" in message

    use_s3(settings, seaweed)
    settings.S3_BUCKET = "bucket-absent"
    _ged_options(settings, bucket_name="bucket-absent")
    [(code, message)] = _reachability_errors()
    assert code == "intranet.E011" and "n'existe pas" in message and "S3_BUCKET" in message

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    use_s3(settings, seaweed, S3_ENDPOINT_URL=closed)
    _ged_options(settings, endpoint_url=closed)
    [(code, message)] = _reachability_errors()
    assert code == "intranet.E011" and "ne répond pas" in message and "S3_ENDPOINT_URL" in message


def test_deploy_check_is_silent_on_local_files(settings):
    settings.S3_ENABLED = False
    assert _reachability_errors() == []
