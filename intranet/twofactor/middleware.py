from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from intranet.errors import error_response, is_api

from . import policy

# Served to a session that still owes its second factor: the steps themselves, leaving, the language switch,
# and the e-mails' signed unsubscribe links (they need no session at all).
_OPEN_PREFIXES = ("/compte/second-facteur/", "/compte/notifications/desabonnement/")


def _open_paths() -> tuple[str, ...]:
    return (*_OPEN_PREFIXES, reverse("logout"), reverse("set_language"), settings.STATIC_URL)


class SecondFactorRequiredMiddleware:
    """Send a session that must present a second factor (intranet.twofactor.policy) and has not to the
    verification step, or to enrolment when the account has no device yet. The API answers 403 instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            policy.verification_required(request)
            and not request.user.is_verified()
            and not request.path.startswith(_open_paths())
        ):
            return self._refuse(request)
        return self.get_response(request)

    def _refuse(self, request):
        if is_api(request):
            return error_response(
                request,
                403,
                _(
                    "Ce compte doit présenter son second facteur : connectez-vous dans le navigateur et "
                    "saisissez votre code, ou utilisez un jeton d'accès personnel."
                ),
            )
        step = "twofactor:verify" if policy.is_enrolled(request.user) else "twofactor:overview"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
