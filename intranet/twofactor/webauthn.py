"""Passkeys (django-otp-webauthn) as a second factor after the password: the relying party, and the
library's JSON endpoints wrapped so every registration and use is audited and wrong attempts count like
wrong codes."""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from . import actions


def relying_party_id(request) -> str:
    """The host of the allowed origin the agent is on (OTP_WEBAUTHN_ALLOWED_ORIGINS), else of the first one.
    A passkey belongs to that host: registered on intranet.ccfi.example, it works there only."""
    hosts = [urlsplit(origin).hostname for origin in settings.OTP_WEBAUTHN_ALLOWED_ORIGINS]
    current = request.get_host().rsplit(":", 1)[0] if request is not None else ""
    return current if current in hosts else hosts[0]


# The library's messages are English: the agent reads these instead, by error code.
def _message(code: str) -> str:
    messages = {
        "user_not_verified": _(
            "Saisissez d'abord votre code actuel : une clé d'accès s'ajoute à un compte vérifié."
        ),
        "credential_not_found": _("Cette clé d'accès n'est pas enregistrée pour votre compte."),
        "credential_user_mismatch": _("Cette clé d'accès n'est pas enregistrée pour votre compte."),
        "credential_disabled": _("Cette clé d'accès est désactivée."),
        "invalid_state": _("La demande a expiré : recommencez."),
        "not_authenticated": _("Votre session a expiré : reconnectez-vous."),
        "locked": _(
            "Trop d'essais manqués : la vérification est bloquée quelques minutes. Réessayez plus tard ou "
            "adressez-vous au service Systèmes d'information."
        ),
    }
    return messages.get(
        code, _("La clé d'accès n'a pas pu être vérifiée. Recommencez, ou saisissez un code à la place.")
    )


class Locked(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_code = "locked"


class _FrenchErrors:
    def _parse_request_data(self, request):
        # json.loads raises RecursionError, not a decode error, on arrays nested thousands deep.
        try:
            return super()._parse_request_data(request)
        except RecursionError:
            raise exceptions.MalformedRequest() from None

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            if exc.code != "locked":
                self.failed(exc.code)
            return JsonResponse({"detail": _message(exc.code), "code": exc.code}, status=exc.status_code)
        return super().handle_exception(exc)

    def failed(self, code: str) -> None:
        pass


class BeginRegistration(_FrenchErrors, webauthn_views.BeginCredentialRegistrationView):
    pass


class CompleteRegistration(_FrenchErrors, webauthn_views.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            device = WebAuthnCredential.objects.get(pk=json.loads(response.content)["id"])
            actions.passkey_registered(device=device, request=self.request)
        return response


class BeginAuthentication(_FrenchErrors, webauthn_views.BeginCredentialAuthenticationView):
    pass


class CompleteAuthentication(_FrenchErrors, webauthn_views.CompleteCredentialAuthenticationView):
    def check_can_authenticate(self):
        super().check_can_authenticate()
        if self.request.user.is_authenticated and actions.is_locked(self.request.user):
            raise Locked()

    def complete_auth(self, device):
        super().complete_auth(device)
        actions.passkey_verified(device=device, request=self.request)

    def failed(self, code: str) -> None:
        if self.request.user.is_authenticated:
            actions.passkey_failed(user=self.request.user, request=self.request, code=code)
