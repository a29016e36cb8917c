"""Single sign-on settings (issue 3): the intranet as an OpenID Connect provider, optional REMOTE_USER.

Defines OAUTH2_PROVIDER, OIDC_ENABLED, REMOTE_USER_BACKENDS and REMOTE_USER_MIDDLEWARE.
"""

from .env import env

OIDC_RSA_PRIVATE_KEY = env.str("OIDC_RSA_PRIVATE_KEY", default="")
OIDC_ENABLED = bool(OIDC_RSA_PRIVATE_KEY)
OAUTH2_PROVIDER: dict = {}
REMOTE_USER_BACKENDS: list[str] = []
REMOTE_USER_MIDDLEWARE: list[str] = []
