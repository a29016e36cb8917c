"""Optional REMOTE_USER login behind a trusted reverse proxy (Kerberos/SPNEGO), off by default.

Enabled by REMOTE_USER_ENABLED; the proxy authenticates the agent and passes the login in the header named by
REMOTE_USER_HEADER. The proxy MUST remove that header from every client request (docs/sso.md).
Only existing, active agents are logged in: accounts come from the directory sync, never from a header.
"""

from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware


class ProxyRemoteUserMiddleware(PersistentRemoteUserMiddleware):
    """Persistent: a request without the header keeps its session, so the login form (IT's break-glass
    accounts) and pages the proxy does not protect keep working."""

    # Sync only: Django 5.2's async path reads META["HTTP_" + header], the sync path META[header]; one path
    # means one meaning for REMOTE_USER_HEADER.
    async_capable = False

    @property
    def header(self):
        return settings.REMOTE_USER_HEADER


class ExistingAgentRemoteUserBackend(RemoteUserBackend):
    create_unknown_user = False

    def clean_username(self, username):
        """A Kerberos principal « jdupont@CCFI.LOCAL » or a Windows « CCFI\\jdupont » is the agent jdupont."""
        username = username.strip()
        username = username.rsplit("\\", 1)[-1]
        return username.split("@", 1)[0]
