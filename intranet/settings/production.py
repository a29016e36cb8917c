"""Production: PostgreSQL, Redis, SMTP, HTTPS behind nginx. Refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import env

SECRET_KEY = env.str("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith(("dev-only", "test-only")):
    raise ImproperlyConfigured(
        "La variable d'environnement SECRET_KEY doit contenir au moins 50 caractères aléatoires "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if env.bool("DEBUG", default=False):
    raise ImproperlyConfigured("La variable d'environnement DEBUG doit être fausse en production.")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"] = database_configure(DATABASES["default"])  # noqa: F405  (pool, jit = off: settings/ops.py)
if not REDIS_URL:  # noqa: F405
    raise ImproperlyConfigured(
        "La variable d'environnement REDIS_URL est obligatoire en production "
        "(couche de canaux et cache partagés entre les processus)."
    )

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

# HTTPS is terminated by nginx, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# Documents are served by nginx (X-Accel-Redirect to an internal location) once the view has checked rights.
SENDFILE_NGINX_PREFIX = env.str("SENDFILE_NGINX_PREFIX", default="/_protected/")

SILENCED_SYSTEM_CHECKS = [
    # security.W021: HSTS preload is a one-way commitment for the whole domain of the collectivity; IT decides
    # it through SECURE_HSTS_PRELOAD, it is not ours to force.
    "security.W021",
    # security.W019: X-Frame-Options is SAMEORIGIN, not DENY, because Wagtail's page preview and the
    # document viewers frame our own pages; CSP frame-ancestors 'self' still refuses every other site.
    "security.W019",
]
