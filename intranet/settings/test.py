"""pytest: PostgreSQL when DATABASE_URL is set (CI), else SQLite; Redis layer when REDIS_URL is set."""

import tempfile

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key-" + "x" * 40
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="intranet-test-media-")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
AXES_ENABLED = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Outbox retries come back within seconds (a homeserver restarted in a test is caught up at once).
OUTBOX_BACKOFF_BASE = 0.2
OUTBOX_BACKOFF_MAX = 2.0
OUTBOX_POLL_SECONDS = 0.1

# OpenID Connect: a throwaway key per test run; loopback clients on plain http (the live server has no TLS).
from .oidc import oauth2_provider_settings, rsa_private_key_generate  # noqa: E402

OIDC_RSA_PRIVATE_KEY = rsa_private_key_generate()
OIDC_ENABLED = True
OAUTH2_PROVIDER = oauth2_provider_settings(OIDC_RSA_PRIVATE_KEY, redirect_schemes=("http", "https"))
