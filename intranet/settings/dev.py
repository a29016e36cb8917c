"""`make run`: SQLite in var/, in-memory channel layer, console e-mail, on 127.0.0.1 only."""

from .base import *  # noqa: F403
from .env import env

DEBUG = env.bool("DEBUG", default=True)
# A development-only key, so that `make run` needs nothing configured; production refuses it.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-not-for-production-0123456789abcdef"  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
