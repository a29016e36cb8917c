"""Optional REMOTE_USER login behind a trusted reverse proxy (Kerberos/SPNEGO), off by default.

Enabled by REMOTE_USER_ENABLED; the proxy authenticates the agent and passes the login in the header named by
REMOTE_USER_HEADER, believed only from TRUSTED_PROXY_IPS. The proxy MUST remove that header from every client
request (docs/sso.md).
Only existing, active agents are logged in: accounts come from the directory sync, never from a header.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware


def from_trusted_proxy(request) -> bool:
    """Whether the request comes straight from one of TRUSTED_PROXY_IPS: only they may name the agent."""
    try:
        address = ipaddress.ip_address((request.META.get("REMOTE_ADDR") or "").strip())
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(proxy.strip(), strict=False)
        for proxy in getattr(settings, "TRUSTED_PROXY_IPS", [])
    )


class ProxyRemoteUserMiddleware(PersistentRemoteUserMiddleware):
    """Persistent: a request without the header keeps its session, so the login form (IT's break-glass
    accounts) and pages the proxy does not protect keep working."""

    # Sync only: Django 5.2's async path reads META["HTTP_" + header], the sync path META[header]; one path
    # means one meaning for REMOTE_USER_HEADER.
    async_capable = False

    @property
    def header(self):
        return settings.REMOTE_USER_HEADER

    def process_request(self, request):
        # A header from anyone but the proxy is ignored, not obeyed: whoever reaches the application directly
        # (a misrouted port, another host on the network) cannot name the agent they want to be.
        if not from_trusted_proxy(request):
            return None
        return super().process_request(request)


class ExistingAgentRemoteUserBackend(RemoteUserBackend):
    create_unknown_user = False

    def authenticate(self, request, remote_user):
        if request is None or not from_trusted_proxy(request):
            return None
        return super().authenticate(request, remote_user)

    def clean_username(self, username):
        """A Kerberos principal « jdupont@CCFI.LOCAL » or a Windows « CCFI\\jdupont » is the agent jdupont."""
        username = username.strip()
        username = username.rsplit("\\", 1)[-1]
        return username.split("@", 1)[0]
