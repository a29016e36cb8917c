"""Who must present a second factor, and what a session presented (docs/sso.md « Second facteur »).

The rule:
- a **staff or superuser** account (Wagtail editors, IT) needs a verified second factor for its whole session,
  not only in the admins: a stolen password must not open the intranet in their name either;
- anyone reaching **/cms/** needs one too (an agent given Wagtail access through a group without being
  staff); **/django-admin/** is for superusers only, who need it everywhere already (anyone else is refused
  there as before, with the 403 page);
- an agent who **enrolled** a device (offered to every agent) is asked for it after the password, on every
  session;
- every other agent: password only.

A session that needs a factor and has not presented one is sent to the verification step (it has a device)
or to enrolment (it has none); nothing else is served to it but those pages, logout and the language switch.
Whether a non-staff agent is enrolled is read once at login and kept in the session (ENROLLED_SESSION_KEY),
so ordinary pages cost no query.
"""

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

ENROLLED_SESSION_KEY = "twofactor_enrolled"
# Where even an agent neither staff nor enrolled must present a factor (ErrorPagesMiddleware has already
# refused /cms/ to those without Wagtail access).
ADMIN_PREFIXES = ("/cms/",)
BACKUP_DEVICE_NAME = "backup"
BACKUP_CODE_COUNT = 10

# RFC 8176 authentication method references and the REFEDS assurance profiles used as `acr`.
AMR_PASSWORD = "pwd"
AMR_OTP = "otp"
AMR_HARDWARE_KEY = "hwk"
AMR_MULTI_FACTOR = "mfa"
ACR_SINGLE_FACTOR = "https://refeds.org/profile/sfa"
ACR_MULTI_FACTOR = "https://refeds.org/profile/mfa"


def is_staff(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def verification_required(request) -> bool:
    """Whether this request's session must have presented a second factor (see the module's rule)."""
    user = request.user
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser or request.session.get(ENROLLED_SESSION_KEY):
        return True
    return request.path.startswith(ADMIN_PREFIXES)


def is_enrolled(user) -> bool:
    """A confirmed authenticator app or passkey. Backup codes alone do not count: they stand in for one."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=BACKUP_DEVICE_NAME).first()


def passkeys(user):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def amr_of(device) -> list[str]:
    """The `amr` of a session: the password, plus what verified it (None: the password alone)."""
    if device is None:
        return [AMR_PASSWORD]
    if isinstance(device, WebAuthnCredential):
        return [AMR_PASSWORD, AMR_HARDWARE_KEY, AMR_MULTI_FACTOR]
    # TOTP and backup codes are both one-time passwords.
    return [AMR_PASSWORD, AMR_OTP, AMR_MULTI_FACTOR]


def acr_of(amr: list[str]) -> str:
    return ACR_MULTI_FACTOR if AMR_MULTI_FACTOR in amr else ACR_SINGLE_FACTOR


def client_requires_second_factor(client_id: str | None) -> bool:
    return bool(client_id) and client_id in settings.OIDC_SECOND_FACTOR_CLIENTS
