"""Start-up checks of the operations settings (Error level: `manage.py check --deploy` and the systemd units'
`ExecStartPre=… check --deploy --fail-level ERROR` refuse to start). Each message names the variable."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

REDIS_SCHEMES = {"redis", "rediss", "unix"}


def _engine() -> str:
    return settings.DATABASES["default"]["ENGINE"]


@checks.register(checks.Tags.database)
def check_database_pool(app_configs, **kwargs):
    errors = []
    pool_max = settings.DATABASE_POOL_MAX
    pool_min = settings.DATABASE_POOL_MIN
    if pool_max < 0:
        errors.append(
            checks.Error(
                f"DATABASE_POOL_MAX vaut {pool_max} : il doit être positif (0 désactive le pool).",
                id="ops.E001",
            )
        )
    if pool_max > 0:
        if pool_min < 1:
            errors.append(
                checks.Error(
                    f"DATABASE_POOL_MIN vaut {pool_min} : il doit valoir au moins 1 quand le pool est actif.",
                    id="ops.E002",
                )
            )
        if pool_min > pool_max:
            errors.append(
                checks.Error(
                    f"DATABASE_POOL_MIN ({pool_min}) est plus grand que DATABASE_POOL_MAX ({pool_max}).",
                    hint="Choisissez DATABASE_POOL_MIN <= DATABASE_POOL_MAX.",
                    id="ops.E003",
                )
            )
        if settings.DATABASE_POOL_TIMEOUT <= 0:
            errors.append(
                checks.Error(
                    f"DATABASE_POOL_TIMEOUT vaut {settings.DATABASE_POOL_TIMEOUT} : il doit être positif "
                    "(secondes d'attente d'une connexion libre).",
                    id="ops.E004",
                )
            )
        if _engine() != "django.db.backends.postgresql":
            errors.append(
                checks.Error(
                    "DATABASE_POOL_MAX est défini mais la base n'est pas PostgreSQL (DATABASE_URL) : "
                    "le pool de connexions ne s'applique qu'à PostgreSQL.",
                    id="ops.E005",
                )
            )
    return errors


@checks.register()
def check_accel_prefix(app_configs, **kwargs):
    prefix = getattr(settings, "GED_ACCEL_REDIRECT_PREFIX", "")
    if prefix and not (prefix.startswith("/") and prefix.endswith("/") and len(prefix) > 1):
        return [
            checks.Error(
                f"GED_ACCEL_REDIRECT_PREFIX vaut « {prefix} » : il doit commencer et finir par « / » "
                "(ex. « /_ged_blobs/ », la location internal de nginx).",
                id="ops.E010",
            )
        ]
    return []


@checks.register()
def check_redis_url(app_configs, **kwargs):
    url = settings.REDIS_URL
    if not url:
        return []
    try:
        parts = urlsplit(url)
        scheme_ok = parts.scheme in REDIS_SCHEMES
        host_ok = parts.scheme == "unix" or bool(parts.hostname)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        scheme_ok = host_ok = False
    if not (scheme_ok and host_ok):
        return [
            checks.Error(
                f"REDIS_URL n'est pas une adresse Redis valide (« {urlsplit(url).scheme or '?'}:… ») : "
                "attendu redis://hôte:port/n, rediss://… ou unix:///chemin.sock.",
                id="ops.E020",
            )
        ]
    return []


@checks.register()
def check_task_lease(app_configs, **kwargs):
    errors = []
    if settings.TASKS_LEASE_SECONDS < 3:
        errors.append(
            checks.Error(
                f"TASKS_LEASE_SECONDS vaut {settings.TASKS_LEASE_SECONDS} : au moins 3 secondes.",
                id="ops.E030",
            )
        )
    if settings.TASKS_MAX_ATTEMPTS < 1:
        errors.append(
            checks.Error(
                f"TASKS_MAX_ATTEMPTS vaut {settings.TASKS_MAX_ATTEMPTS} : au moins 1.", id="ops.E031"
            )
        )
    return errors
