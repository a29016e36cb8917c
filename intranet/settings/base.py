"""Settings shared by every environment. Every tunable comes from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .chat import *  # noqa: F403  (salons and the Matrix bridge)
from .env import BASE_DIR, env
from .ged import *  # noqa: F403  (document spaces, uploads, OnlyOffice)
from .ldap import *  # noqa: F403  (LDAP_* and AUTH_LDAP_* from the environment)
from .oidc import *  # noqa: F403  (OIDC provider and REMOTE_USER from the environment)
from .ops import *  # noqa: F403  (database pool and JIT, readiness, metrics, request ids, task leases)
from .portal import *  # noqa: F403  (news, must-read reminders, Kotje reviews, search)
from .rooms import *  # noqa: F403  (room booking, approval reminders, iCal feeds)
from .storage import *  # noqa: F403  (object storage: S3_* for uploads and GED blobs)
from .twofactor import *  # noqa: F403  (second factor: TOTP, backup codes, passkeys)

# django-oauth-toolkit's default, spelled out (as OAUTH2_PROVIDER_GRANT_MODEL): intranet.twofactor's
# RefreshAuthentication points at the refresh token model, a swappable one.
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
# With DEBUG on, Django's technical 404/400/403 pages instead of the product's (tracebacks of real errors
# show with DEBUG alone). Off by default, so the demo looks like the product.
DEBUG_TECHNICAL_404 = env.bool("DEBUG_TECHNICAL_404", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "daphne",
    # Project apps first so their templates override the libraries' ones.
    "intranet",
    "intranet.people",
    "intranet.audit",
    "intranet.outbox",
    "intranet.ops",
    "intranet.notifications",
    "intranet.news",
    "intranet.search",
    "intranet.twofactor",
    "intranet.accessibility",
    "kotje",
    "ged",
    "ged.circuits",
    "ged.retention",
    "ged.payslips",
    "rooms",
    "chat",
    "events",
    "projects",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "channels",
    "axes",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "guardian",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
]

MIDDLEWARE = [
    # First, so every log line of the request carries its id (intranet.ops.request_id).
    "intranet.ops.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "intranet.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "intranet.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The API's GED uploads stream into the blob store like the web form's (before anything reads the body).
    "ged.middleware.ApiUploadHandlerMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    *REMOTE_USER_MIDDLEWARE,  # noqa: F405
    # request.user.is_verified(): the session presented a second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # The product's pages for 400 (refused parameters), 405, 413, 429 and the Wagtail admin refused to agents.
    "intranet.middleware.ErrorPagesMiddleware",
    # Storage down (intranet.ops.errors.StorageUnavailable): a French 503 page, JSON under /api/.
    "intranet.ops.middleware.StorageUnavailableMiddleware",
    # Every route needs a logged-in agent unless its view says otherwise (login page, health check).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions, enrolled agents and both admins need a verified second factor (docs/sso.md).
    "intranet.twofactor.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "intranet.urls"
ASGI_APPLICATION = "intranet.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "intranet.context_processors.layout",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (production, CI); without it, SQLite in var/ (embedded demo).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'intranet.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"] = database_configure(DATABASES["default"])  # noqa: F405  (pool, jit = off: settings/ops.py)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Redis pub/sub, not channels_redis' core layer: bench B6 (500 sockets in one salon) exhausted the core
    # layer's connections and timed out on both servers, the pub/sub layer served them with nothing lost
    # (docs/chat.md). A message published while a worker's Redis connection is down is not replayed: the
    # chat fan-out notices the gap and makes the pages catch up (intranet/fanout.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks -----------------------------------------------------------------------------------
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"La variable d'environnement TASKS_BACKEND vaut « {TASKS_BACKEND} » : "
        "valeurs possibles « immediate » ou « database »."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# --- Outbox of external side effects (Matrix, e-mail, OnlyOffice commands) -------------------------------
# Retries: exponential backoff from BASE seconds, capped at MAX, with jitter; a claimed row is leased for
# LEASE seconds (a crashed worker's rows come back after it); workers poll every POLL seconds.
OUTBOX_BACKOFF_BASE = env.float("OUTBOX_BACKOFF_BASE", default=2.0)
OUTBOX_BACKOFF_MAX = env.float("OUTBOX_BACKOFF_MAX", default=600.0)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=1.0)
OUTBOX_KEEP_DONE_DAYS = env.int("OUTBOX_KEEP_DONE_DAYS", default=7)

# --- Authentication -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *LDAP_BACKENDS,  # noqa: F405
    *REMOTE_USER_BACKENDS,  # noqa: F405
    "django.contrib.auth.backends.ModelBackend",  # local accounts (IT break-glass) always work
    # Object permissions (GED role grants); listings never call it per row, see ged/permissions.py.
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = None  # show the « déconnecté·e » page

# A working day by default; the session ends when the browser closes unless "remember me" is ticked.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 3600)
REMEMBER_ME_AGE = env.int("REMEMBER_ME_AGE", default=7 * 24 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "intranet.views.csrf_failure"

# django-axes: lock a username from one address after repeated failures (not a whole town hall behind NAT).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One counter per account as the directory compares names (case-folded, stripped), not per spelling.
AXES_USERNAME_CALLABLE = "intranet.people.login_throttle.throttle_username"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Client addresses come from REMOTE_ADDR, which the ASGI server rewrites from nginx's X-Forwarded-For
# (uvicorn --proxy-headers --forwarded-allow-ips 127.0.0.1, see docs/deployment.md): a header sent by the
# client itself is never trusted.

# --- Internationalisation -------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]  # each in its own language
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Never served under /media by Django: files go through permission-checked views.
MEDIA_URL = "/fichiers/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    **S3_STORAGES,  # noqa: F405  "default" and "ged" on S3 when S3_BUCKET is set (settings/storage.py)
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

# --- E-mail ---------------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="intranet@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers -----------------------------------------------------------------------------------
X_FRAME_OPTIONS = "SAMEORIGIN"  # Wagtail's preview frames our own pages; CSP frame-ancestors says the rest.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Wagtail --------------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env.str("WAGTAIL_SITE_NAME", default="Intranet des agents")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "login"
WAGTAIL_FRONTEND_LOGIN_URL = "login"  # page privacy « login » restrictions use the product's login page too
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no agent's e-mail hash may leave the machine
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_I18N_ENABLED = False
# Page slugs in plain ASCII (« fermee-le-24 », not « ferm%C3%A9e-le-24 » once shared); older pages were
# converted with redirects from their old addresses (news migration 0004).
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]
# The text-search configuration of every search source on PostgreSQL: French stemming without accents
# (« congés » finds « congé », « conge » finds « Congés »), created by migration intranet_search 0002 and
# used by Wagtail's index and the GED's stored vectors. SQLite ignores it (FTS5, containment).
SEARCH_CONFIG = "french_unaccent"
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": SEARCH_CONFIG}
}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_PASSWORD_RESET_ENABLED = False  # accounts come from the directory or from IT

# --- Audit and notifications ----------------------------------------------------------------------------
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
if not 180 <= AUDIT_RETENTION_DAYS <= 365:
    raise ImproperlyConfigured(
        "La variable d'environnement AUDIT_RETENTION_DAYS doit être comprise entre 180 et 365 jours "
        "(recommandation CNIL sur la journalisation : 6 à 12 mois)."
    )
NOTIFICATIONS_PAGE_SIZE = 20
DIRECTORY_PAGE_SIZE = 20

# django-guardian stores the GED's role grants; no anonymous user row (every route needs a logged-in agent).
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
API_TOKEN_MAX_PER_USER = env.int("API_TOKEN_MAX_PER_USER", default=10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every record carries the id of the request or websocket it belongs to ("-" outside one).
    "filters": {"request_id": {"()": "intranet.ops.request_id.RequestIdFilter"}},
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "default"}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}
