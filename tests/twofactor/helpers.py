"""Second factor in tests: a TOTP device with a fixed key (RFC 6238's test secret), its current code, and a
verified session for the test client's shortcuts (tests/conftest.py)."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

# "12345678901234567890", the secret of RFC 6238's test vectors, in hex as django-otp stores keys.
FIXED_KEY = "3132333435363738393031323334353637383930"


def is_staff(user) -> bool:
    """Accounts the shortcuts verify: staff and superusers (every page), Wagtail editors (/cms/)."""
    return bool(user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))


def totp_device(user, *, key: str = FIXED_KEY) -> TOTPDevice:
    """The agent's confirmed authenticator app, created with the fixed key if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", key=key, confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, drift: int = 0) -> str:
    """The code the app shows now (or `drift` steps away). django-otp accepts each time step once: a test that
    verifies the same device twice within 30 s forgets the previous use first (`forget_last_use`)."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return str(code).zfill(device.digits)


def forget_last_use(device: TOTPDevice) -> None:
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.last_t = -1


def current_step(device: TOTPDevice) -> int:
    return int((time.time() - device.t0) // device.step)


def verify_session(session, user) -> None:
    """Mark a logged-in test session as having presented the agent's second factor (what django_otp.login
    does after a right code)."""
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
