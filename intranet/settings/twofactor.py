"""Second factor settings (issue 15, part 5): django-otp (TOTP, backup codes), django-otp-webauthn (passkeys).

Who must present a second factor is a rule in code, not a setting (intranet/twofactor/policy.py, docs/sso.md
« Second facteur »). Wrong codes are throttled like passwords (AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES).
"""

from urllib.parse import urlsplit

from .env import env

# Read before base.py defines SITE_URL: the same variable with the same default.
_SITE = urlsplit(env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/"))

# The name authenticator apps show beside the account (« Intranet CCFI : marie.dupont »).
OTP_TOTP_ISSUER = env.str("TOTP_ISSUER", default="Intranet CCFI")
# One 30-second step either side: a phone a little off the server's clock still works.
OTP_TOTP_TOLERANCE = 1
# django-otp's own per-device delay (1 s, 2 s, 4 s… after each wrong code) is off: wrong codes are counted per
# account and lock it for the cool-off instead, as wrong passwords do (intranet.twofactor.actions).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Passkeys are a second factor after the password, never a login on their own: the ID token's amr is then
# ["pwd", "hwk", "mfa"] (docs/sso.md).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# The origins where passkeys work (scheme, host and port as the browser shows them); the relying party ID is
# the host of the one the agent is on (intranet.twofactor.webauthn). Default: SITE_URL's. Browsers refuse
# WebAuthn on an IP address, so the demo's http://127.0.0.1:8000 becomes http://localhost:8000.
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[f"{_SITE.scheme}://{_SITE.netloc.replace('127.0.0.1', 'localhost')}"],
)
OTP_WEBAUTHN_RP_ID_CALLABLE = "intranet.twofactor.webauthn.relying_party_id"
OTP_WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="Intranet CCFI")
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "intranet.twofactor"

# OpenID Connect clients (their « Identifiant du client ») that only accept an agent who presented a second
# factor: a password-only session is sent through the verification step before the code is issued, and a
# code issued without one is refused at the token endpoint.
OIDC_SECOND_FACTOR_CLIENTS = env.list("OIDC_SECOND_FACTOR_CLIENTS", default=[])
# django-oauth-toolkit's default, spelled out: intranet.twofactor.GrantAuthentication points at the grant
# model, and Django's migration autodetector reads a swappable model's setting from the settings themselves.
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
