"""Who is asking: HTTP Basic with an app password only (never the directory password, never Digest), accepted
only over TLS or from loopback or a trusted proxy that says the client spoke https. No session is created:
the user is looked up for each request and kept in the WSGI environ."""

import ipaddress

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wsgidav.dav_error import ERROR_DESCRIPTIONS, HTTP_FORBIDDEN
from wsgidav.dc.base_dc import BaseDomainController
from wsgidav.http_authenticator import HTTPAuthenticator

from intranet.people.app_passwords import app_password_retry_after, authenticate_app_password

from .errors import FrenchDAVError

# ASCII on purpose: the realm travels in a WWW-Authenticate header (latin-1), and clients show it as is.
REALM = "Lecteur reseau CCFI"
USER_KEY = "ccfi.user"
REQUEST_KEY = "ccfi.request"
HTTP_TOO_MANY_REQUESTS = 429
# wsgidav's table of status lines has no 429 (it would answer "429 Status").
ERROR_DESCRIPTIONS.setdefault(HTTP_TOO_MANY_REQUESTS, "429 Too Many Requests")


def _networks():
    return [ipaddress.ip_network(p.strip(), strict=False) for p in settings.TRUSTED_PROXY_IPS if p.strip()]


def _address(value: str):
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def peer_is_trusted_proxy(environ) -> bool:
    peer = _address(environ.get("REMOTE_ADDR", ""))
    return peer is not None and any(peer in net for net in _networks())


def client_ip(environ) -> str | None:
    """The client's address: the peer's, or the one a trusted proxy forwards (X-Real-IP, else the last
    X-Forwarded-For hop), never a header from anyone else."""
    peer = environ.get("REMOTE_ADDR") or None
    if peer_is_trusted_proxy(environ):
        forwarded = environ.get("HTTP_X_REAL_IP") or environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1]
        if _address(forwarded) is not None:
            return forwarded.strip()
    return peer


def transport_is_safe(environ) -> bool:
    """TLS to us, or a trusted proxy that terminated TLS (X-Forwarded-Proto: https), or a loopback client
    speaking to us directly (make run, tests). A trusted proxy that says http is refused, even on loopback."""
    if environ.get("wsgi.url_scheme") == "https":
        return True
    proto = environ.get("HTTP_X_FORWARDED_PROTO", "").strip().lower()
    if peer_is_trusted_proxy(environ) and proto:
        return proto == "https"
    peer = _address(environ.get("REMOTE_ADDR", ""))
    return peer is not None and peer.is_loopback and not proto


def too_many_attempts(retry_after: int) -> FrenchDAVError:
    """The app-password throttle locked this username out from this address: 429 with a Retry-After (in
    seconds) and a French sentence, rather than a 401 that makes a client ask again for a password it may
    well have right."""
    minutes = max(1, -(-retry_after // 60))
    message = ngettext(
        "Trop de tentatives de connexion au lecteur réseau avec un mauvais mot de passe : réessayez dans "
        "%(minutes)d minute. Vérifiez le mot de passe d'application enregistré sur cet appareil ou créez-en "
        "un nouveau sur la page « Connecter un lecteur réseau » de l'intranet.",
        "Trop de tentatives de connexion au lecteur réseau avec un mauvais mot de passe : réessayez dans "
        "%(minutes)d minutes. Vérifiez le mot de passe d'application enregistré sur cet appareil ou créez-en "
        "un nouveau sur la page « Connecter un lecteur réseau » de l'intranet.",
        minutes,
    ) % {"minutes": minutes}
    return FrenchDAVError(HTTP_TOO_MANY_REQUESTS, message, add_headers=[("Retry-After", str(retry_after))])


class DavRequest:
    """What the audit log reads from a request (client address, user agent, user), built from the environ."""

    def __init__(self, environ, user):
        self.user = user
        self.META = {
            "REMOTE_ADDR": client_ip(environ),
            "HTTP_USER_AGENT": environ.get("HTTP_USER_AGENT", ""),
        }


class AppPasswordDomainController(BaseDomainController):
    """Basic authentication against the agent's app passwords (throttled like the web login by
    `authenticate_app_password`)."""

    def get_domain_realm(self, path_info, environ):
        return REALM

    def require_authentication(self, realm, environ):
        return True

    def supports_http_digest_auth(self):
        return False

    def basic_auth_user(self, realm, user_name, password, environ):
        if not transport_is_safe(environ):
            raise FrenchDAVError(
                HTTP_FORBIDDEN,
                _(
                    "Le lecteur réseau n'accepte de mot de passe que sur une connexion chiffrée : utilisez "
                    "l'adresse en https:// indiquée sur la page « Connecter un lecteur réseau »."
                ),
            )
        ip = client_ip(environ)
        user = authenticate_app_password(user_name, password, ip=ip)
        if user is None or not user.is_active:
            retry_after = app_password_retry_after(user_name, ip=ip)
            if retry_after:
                raise too_many_attempts(retry_after)
            return False
        environ[USER_KEY] = user
        environ[REQUEST_KEY] = DavRequest(environ, user)
        return True


class FrenchAuthenticator(HTTPAuthenticator):
    """wsgidav's authenticator with a French 401 page."""

    @property
    def error_message_401(self):
        return (
            "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>{title}</title></head>"
            "<body><h1>{title}</h1><p>{text}</p></body></html>"
        ).format(
            title=_("Identification requise"),
            text=_(
                "Le lecteur réseau demande votre identifiant et un mot de passe d'application, à créer sur "
                "la page « Connecter un lecteur réseau » de l'intranet (votre mot de passe habituel n'est "
                "pas accepté ici)."
            ),
        )
