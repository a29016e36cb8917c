"""OIDC and REMOTE_USER settings: a bad key stops start-up naming its variable; both off by default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHOW = (
    "from django.conf import settings as s; "
    "print(s.OIDC_ENABLED, s.OAUTH2_PROVIDER['OIDC_ISS_ENDPOINT'], s.REMOTE_USER_HEADER, "
    "s.REMOTE_USER_MIDDLEWARE, s.REMOTE_USER_BACKENDS, sep='|')"
)


def _manage(*args, settings_module="intranet.settings.production", **env):
    """manage.py in a fresh process, with production's required variables set to harmless values."""
    ours = ("OIDC_", "REMOTE_USER", "DATABASE_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    clean.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        SECRET_KEY="k" * 20 + "Z9x-" * 10,
        ALLOWED_HOSTS="intranet.example",
        DATABASE_URL="sqlite:///:memory:",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SITE_URL="https://intranet.example",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def _shown(result) -> str:
    """The SHOW line (the shell prints its automatic imports first)."""
    return result.stdout.strip().splitlines()[-1]


def _private_key(bits=2048) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize(
    "value",
    ["pas une clé", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"],
    ids=["text", "truncated-pem"],
)
def test_malformed_key_stops_start_up_naming_the_variable(value):
    result = _manage("check", OIDC_RSA_PRIVATE_KEY=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "OIDC_RSA_PRIVATE_KEY" in result.stderr


def test_short_rsa_key_is_refused():
    """RS256 with less than 2048 bits is refused (RFC 7518 §3.3)."""
    result = _manage("check", OIDC_RSA_PRIVATE_KEY=_private_key(1024))
    assert result.returncode != 0 and "2048" in result.stderr


def test_unreadable_key_file_names_the_variable(tmp_path):
    result = _manage("check", OIDC_RSA_PRIVATE_KEY_FILE=str(tmp_path / "absente.pem"))
    assert result.returncode != 0 and "OIDC_RSA_PRIVATE_KEY_FILE" in result.stderr


def test_key_from_file_or_one_line_variable_turns_the_provider_on(tmp_path):
    """A PEM file, or the PEM in one line with literal \\n (as .env files hold it), both work."""
    pem = _private_key()
    path = tmp_path / "oidc.pem"
    path.write_text(pem)
    from_file = _manage("shell", "-c", SHOW, OIDC_RSA_PRIVATE_KEY_FILE=str(path))
    assert from_file.returncode == 0, from_file.stderr
    assert _shown(from_file).startswith("True|https://intranet.example/o|")
    one_line = _manage("shell", "-c", SHOW, OIDC_RSA_PRIVATE_KEY=pem.replace("\n", "\\n"))
    assert one_line.returncode == 0, one_line.stderr
    assert _shown(one_line).startswith("True|")


def test_without_key_oidc_and_remote_user_are_off():
    result = _manage("shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert _shown(result) == "False|https://intranet.example/o|HTTP_X_REMOTE_USER|[]|[]"


def test_remote_user_on_adds_middleware_and_backend_with_the_header():
    """The header may be written as nginx spells it; it becomes its request.META key."""
    result = _manage("shell", "-c", SHOW, REMOTE_USER_ENABLED="true", REMOTE_USER_HEADER="X-Kerberos-User")
    assert result.returncode == 0, result.stderr
    _on, _iss, header, middleware, backends = _shown(result).split("|")
    assert header == "HTTP_X_KERBEROS_USER"
    assert "ProxyRemoteUserMiddleware" in middleware and "ExistingAgentRemoteUserBackend" in backends
