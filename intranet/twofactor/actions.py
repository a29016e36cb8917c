"""Every write of the second factor: enrolment, backup codes, removal, verification, IT's reset.

Each one is audited (« Journal d'accès »): twofactor.enrol, twofactor.backup_codes, twofactor.remove,
twofactor.verify (success or failure, with the method), twofactor.backup_code_used, twofactor.locked,
twofactor.reset (who, whom, why).
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from intranet.audit.actions import audit_record
from intranet.audit.choices import Result

from . import policy

_FAILURES_KEY = "twofactor-failures:{pk}"


def _mark_enrolled(request) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[policy.ENROLLED_SESSION_KEY] = True


# --- Throttling (like the password: AXES_FAILURE_LIMIT wrong codes, then AXES_COOLOFF_TIME) -----------------


def _cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def is_locked(user) -> bool:
    return (cache.get(_FAILURES_KEY.format(pk=user.pk)) or 0) >= settings.AXES_FAILURE_LIMIT


def _count_failure(user) -> int:
    key = _FAILURES_KEY.format(pk=user.pk)
    # add() starts the window; incr() keeps its expiry (the cool-off runs from the first failure).
    cache.add(key, 0, timeout=_cooloff_seconds())
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=_cooloff_seconds())
        return 1


def _reset_failures(user) -> None:
    cache.delete(_FAILURES_KEY.format(pk=user.pk))


# --- Enrolment ----------------------------------------------------------------------------------------------


def totp_pending(*, user) -> TOTPDevice:
    """The authenticator app being set up: an unconfirmed device whose key the page shows until confirmed.
    Reused across page loads so the QR code the agent scanned stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=_("Application d'authentification"), confirmed=False
        )
    return device


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, code: str, request) -> bool:
    """Confirm the app with a first code: it replaces any previous app of the agent and verifies this
    session. False (nothing changed) when the code is wrong."""
    user = device.user
    if is_locked(user) or not device.verify_token(code):
        _verification_failed(user=user, request=request, method="totp-enrol")
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _reset_failures(user)
    otp_login(request, device)
    _mark_enrolled(request)
    audit_record(action="twofactor.enrol", actor=user, request=request, obj=user, extra={"method": "totp"})
    return True


@transaction.atomic
def backup_codes_generate(*, user, request) -> list[str]:
    """Ten new single-use backup codes (the previous ones stop working). The codes are returned once, to be
    shown once; the database keeps them for verification only."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=policy.BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(policy.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_record(
        action="twofactor.backup_codes", actor=user, request=request, obj=user, extra={"count": len(codes)}
    )
    return codes


def passkey_registered(*, device: WebAuthnCredential, request) -> None:
    """django-otp-webauthn stored the passkey and verified the session with it (first device)."""
    _mark_enrolled(request)
    audit_record(
        action="twofactor.enrol",
        actor=device.user,
        request=request,
        obj=device.user,
        extra={"method": "passkey", "device": device.pk},
    )


@transaction.atomic
def device_remove(*, user, device, request) -> None:
    """Remove one of the agent's own devices. Without an app or passkey left, the backup codes go too (they
    only stand in for one), and the session no longer asks for a second factor unless the agent is staff."""
    kind = {TOTPDevice: "totp", StaticDevice: "backup", WebAuthnCredential: "passkey"}[type(device)]
    device.delete()
    if kind != "backup" and not policy.is_enrolled(user):
        StaticDevice.objects.filter(user=user).delete()
        if request is not None:
            request.session.pop(policy.ENROLLED_SESSION_KEY, None)
    audit_record(action="twofactor.remove", actor=user, request=request, obj=user, extra={"method": kind})


# --- Verification -------------------------------------------------------------------------------------------


class VerifyResult:
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def _verification_failed(*, user, request, method: str) -> None:
    count = _count_failure(user)
    audit_record(
        action="twofactor.verify",
        actor=user,
        request=request,
        obj=user,
        result=Result.FAILURE,
        extra={"method": method},
    )
    if count == settings.AXES_FAILURE_LIMIT:
        audit_record(action="twofactor.locked", actor=user, request=request, obj=user, result=Result.DENIED)


@transaction.atomic
def second_factor_verify(*, request, code: str) -> str:
    """Check a code typed after the password: six digits are an authenticator app's, anything else a backup
    code. On success the session is verified (django_otp.login). Returns a VerifyResult."""
    user = request.user
    if is_locked(user):
        audit_record(action="twofactor.verify", actor=user, request=request, obj=user, result=Result.DENIED)
        return VerifyResult.LOCKED
    code = "".join(code.split()).replace("-", "").lower()
    if code.isdigit() and len(code) == 6:
        method = "totp"
        candidates = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
    else:
        method = "backup"
        candidates = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
    for device in candidates:
        if device.verify_token(code):
            _reset_failures(user)
            otp_login(request, device)
            _mark_enrolled(request)
            audit_record(
                action="twofactor.verify", actor=user, request=request, obj=user, extra={"method": method}
            )
            if method == "backup":
                left = device.token_set.count()
                audit_record(
                    action="twofactor.backup_code_used",
                    actor=user,
                    request=request,
                    obj=user,
                    extra={"left": left},
                )
            return VerifyResult.OK
    _verification_failed(user=user, request=request, method=method)
    return VerifyResult.LOCKED if is_locked(user) else VerifyResult.WRONG


def passkey_verified(*, device: WebAuthnCredential, request) -> None:
    _reset_failures(device.user)
    _mark_enrolled(request)
    audit_record(
        action="twofactor.verify",
        actor=device.user,
        request=request,
        obj=device.user,
        extra={"method": "passkey", "device": device.pk},
    )


def passkey_failed(*, user, request, code: str) -> None:
    _verification_failed(user=user, request=request, method=f"passkey:{code}")


# --- Recovery by IT -----------------------------------------------------------------------------------------


@transaction.atomic
def second_factor_reset(*, agent, actor, reason: str, request=None) -> int:
    """IT removes every device of an agent who lost them (phone changed, key lost). The agent's sessions end
    (one verified by a removed device must not enrol a stranger's), the agent is notified, and the access log
    keeps who did it, when and why. Returns how many devices were removed."""
    from intranet.notifications.actions import notify
    from intranet.people.sessions import close_user_sockets, end_sessions

    removed = 0
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        devices = model.objects.filter(user=agent)
        removed += devices.count()
        devices.delete()
    sessions = end_sessions([agent.pk])
    close_user_sockets([agent.pk])
    _reset_failures(agent)
    notify(
        recipients=[agent],
        verb="twofactor_reset",
        text=_(
            "Le service Systèmes d'information a réinitialisé votre second facteur. Si vous n'en êtes pas à "
            "l'origine, prévenez-le tout de suite ; sinon, enregistrez une nouvelle méthode de vérification."
        ),
        url="/compte/second-facteur/",
        email=True,
    )
    audit_record(
        action="twofactor.reset",
        actor=actor,
        request=request,
        obj=agent,
        extra={"reason": reason, "agent": agent.get_username(), "devices": removed, "sessions": sessions},
    )
    return removed
