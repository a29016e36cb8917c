"""`make run`: SQLite in var/, in-memory channel layer, console e-mail, on 127.0.0.1 only."""

from .base import *  # noqa: F403
from .env import env

DEBUG = env.bool("DEBUG", default=True)
# A development-only key, so that `make run` needs nothing configured; production refuses it.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production-0123456789abcdef"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# OpenID Connect: without a configured key, a development key generated once into var/ (never in production);
# loopback clients on plain http are allowed.
from .oidc import oauth2_provider_settings, rsa_private_key_dev  # noqa: E402

if not OIDC_RSA_PRIVATE_KEY:  # noqa: F405
    OIDC_RSA_PRIVATE_KEY = rsa_private_key_dev(VAR_DIR / "oidc-dev-private-key.pem")  # noqa: F405
    OIDC_ENABLED = True
OAUTH2_PROVIDER = oauth2_provider_settings(OIDC_RSA_PRIVATE_KEY, redirect_schemes=("http", "https"))
