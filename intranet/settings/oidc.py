"""Single sign-on settings (issue 3): the intranet as an OpenID Connect provider, optional REMOTE_USER.

Defines OAUTH2_PROVIDER, OIDC_ENABLED, REMOTE_USER_BACKENDS and REMOTE_USER_MIDDLEWARE. The provider is on
as soon as an RS256 private key is configured (OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE); without
one, every /o/ endpoint answers 404 (dev.py and test.py generate a key so they always have it).
"""

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env

# The key is read here, before base.py defines SITE_URL: read the same variable with the same default.
_SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")


def rsa_private_key_check(pem: str, variable: str) -> str:
    """Return the PEM unchanged if it is an RSA private key of at least 2048 bits, else stop start-up."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"La variable d'environnement {variable} ne contient pas une clé privée PEM lisible ({exc}). "
            "Générez-en une avec « openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 » "
            "(voir docs/sso.md)."
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise ImproperlyConfigured(
            f"La variable d'environnement {variable} doit contenir une clé privée RSA d'au moins 2048 bits "
            "(les jetons d'identité sont signés en RS256, voir docs/sso.md)."
        )
    return pem


def rsa_private_key_generate() -> str:
    """A fresh 2048-bit RSA private key as PEM (development and tests only)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def rsa_private_key_dev(path: Path) -> str:
    """The development key in var/, created on first use (readable by its owner only) and kept after."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: the autoreloader's two processes may race; the loser reads the winner's key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(rsa_private_key_generate())
    return rsa_private_key_check(path.read_text(), f"(fichier de développement {path})")


def oauth2_provider_settings(
    private_key: str, *, site_url: str = _SITE_URL, redirect_schemes: tuple[str, ...] = ("https",)
) -> dict:
    """django-oauth-toolkit's settings: OIDC with RS256, authorization code + PKCE (S256) only."""
    return {
        "OIDC_ENABLED": bool(private_key),
        "OIDC_RSA_PRIVATE_KEY": private_key,
        # Fixed rather than derived from each request: behind nginx the token endpoint would otherwise see
        # http:// and sign ID tokens with an issuer the discovery document does not announce.
        "OIDC_ISS_ENDPOINT": f"{site_url}/o",
        "OAUTH2_VALIDATOR_CLASS": "intranet.people.oidc.IntranetOAuth2Validator",
        "SCOPES": {
            "openid": _("Vous identifier (OpenID Connect)"),
            "profile": _("Connaître votre identifiant et vos nom et prénom"),
            "email": _("Connaître votre adresse électronique"),
            "groups": _("Connaître vos groupes et services"),
        },
        "DEFAULT_SCOPES": ["openid"],
        "PKCE_REQUIRED": True,
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
        "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
        "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
        # RFC 9700 (OAuth 2.0 security best current practice): no implicit or password grant, S256 only,
        # tokens kept hashed at rest, an "iss" in every authorization response.
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        "ALLOWED_REDIRECT_URI_SCHEMES": list(redirect_schemes),
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
        "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ACCESS_TOKEN_EXPIRE_SECONDS", default=3600),
        "ID_TOKEN_EXPIRE_SECONDS": 3600,
        # A leaver's refresh tokens die with the account (the validator checks is_active); a working day.
        "REFRESH_TOKEN_EXPIRE_SECONDS": 10 * 3600,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        "REQUEST_APPROVAL_PROMPT": "auto",
    }


def _configured_private_key() -> str:
    pem = env.str("OIDC_RSA_PRIVATE_KEY", default="")
    path = env.str("OIDC_RSA_PRIVATE_KEY_FILE", default="")
    if pem and path:
        raise ImproperlyConfigured(
            "Les variables d'environnement OIDC_RSA_PRIVATE_KEY et OIDC_RSA_PRIVATE_KEY_FILE sont toutes "
            "deux définies : gardez-en une seule."
        )
    if path:
        try:
            pem = Path(path).read_text()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"La variable d'environnement OIDC_RSA_PRIVATE_KEY_FILE désigne un fichier illisible "
                f"({exc.strerror} : {path})."
            ) from None
        return rsa_private_key_check(pem, "OIDC_RSA_PRIVATE_KEY_FILE")
    if pem:
        # A PEM in a one-line environment file usually carries its line breaks as literal "\n".
        return rsa_private_key_check(pem.replace("\\n", "\n").strip() + "\n", "OIDC_RSA_PRIVATE_KEY")
    return ""


OIDC_RSA_PRIVATE_KEY = _configured_private_key()
OIDC_ENABLED = bool(OIDC_RSA_PRIVATE_KEY)
OAUTH2_PROVIDER: dict = oauth2_provider_settings(OIDC_RSA_PRIVATE_KEY)

# --- REMOTE_USER (Kerberos/SPNEGO at the reverse proxy) -------------------------------------------------
# Off by default. When on, the proxy authenticates the agent and passes the login in a header, which it MUST
# strip from every client request (docs/sso.md): anyone who can reach the application directly with that
# header would otherwise log in as whomever they name.
REMOTE_USER_ENABLED = env.bool("REMOTE_USER_ENABLED", default=False)
REMOTE_USER_HEADER = env.str("REMOTE_USER_HEADER", default="HTTP_X_REMOTE_USER").strip()
if REMOTE_USER_HEADER != "REMOTE_USER" and not REMOTE_USER_HEADER.startswith("HTTP_"):
    # Accept the header as written in nginx ("X-Remote-User") as well as its request.META key.
    REMOTE_USER_HEADER = "HTTP_" + REMOTE_USER_HEADER.upper().replace("-", "_")
# The header is believed only on requests whose REMOTE_ADDR is one of these proxies (addresses or networks);
# from anyone else it is ignored. Default: the proxy on the same machine (docs/deployment.md).
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=["127.0.0.1", "::1"])
for _proxy in TRUSTED_PROXY_IPS:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"La variable d'environnement TRUSTED_PROXY_IPS contient « {_proxy} » : des adresses IP ou des "
            "réseaux (10.0.0.0/24) séparés par des virgules sont attendus."
        ) from None
REMOTE_USER_BACKENDS: list[str] = (
    ["intranet.people.remote_user.ExistingAgentRemoteUserBackend"] if REMOTE_USER_ENABLED else []
)
REMOTE_USER_MIDDLEWARE: list[str] = (
    ["intranet.people.remote_user.ProxyRemoteUserMiddleware"] if REMOTE_USER_ENABLED else []
)
