"""The intranet as an OpenID Connect provider: which claims an agent's ID token and userinfo carry.

Scopes and claims (OpenID Connect Core §5.4, plus `groups`):
- openid → sub (the account's primary key, stable across renames);
- profile → preferred_username, name, given_name, family_name;
- email → email;
- groups → groups: names of the agent's Django groups, departments' groups included.

A deactivated agent (leaver) gets no code exchanged, no refreshed token and no userinfo, even with a token
issued before the deactivation.

The ID token also says how the agent authenticated (docs/sso.md « Second facteur »): `amr` (RFC 8176) is
["pwd"], ["pwd", "otp", "mfa"] (authenticator app or backup code) or ["pwd", "hwk", "mfa"] (passkey), and
`acr` the REFEDS profile https://refeds.org/profile/sfa or .../mfa. They are those of the session that
obtained the code (intranet.twofactor.GrantAuthentication). A client listed in OIDC_SECOND_FACTOR_CLIENTS gets
no code for a password-only session (the agent goes through the verification step first) and no token for a
code issued without a second factor. A refresh returns a new ID token with the `amr` and `acr` of the login
behind the refresh token (intranet.twofactor.RefreshAuthentication, carried along each rotation), never more;
a client that requires a second factor gets no refresh for a token without one. The discovery document lists
`amr` and `acr` among the claims and the two REFEDS profiles as `acr_values_supported`.
"""

import json
import re
from urllib.parse import urlsplit

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from oauth2_provider import views
from oauth2_provider.oauth2_validators import OAuth2Validator

from intranet.middleware import STRICT_CSP

_SAFE_NETLOC = re.compile(r"[A-Za-z0-9.\-\[\]:]+")


def _groups(request) -> list[str]:
    return sorted(request.user.groups.values_list("name", flat=True))


class IntranetOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "groups"}

    def get_additional_claims(self):
        # The request-agnostic form (callables) lets the discovery document list every claim.
        return {
            "preferred_username": lambda request: request.user.get_username(),
            "name": lambda request: request.user.get_full_name() or request.user.get_username(),
            "given_name": lambda request: request.user.first_name,
            "family_name": lambda request: request.user.last_name,
            "email": lambda request: request.user.email,
            "groups": _groups,
        }

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if not (
            super().validate_code(client_id, code, client, request, *args, **kwargs) and _active(request)
        ):
            return False
        from intranet.twofactor.models import GrantAuthentication
        from intranet.twofactor.policy import AMR_MULTI_FACTOR, AMR_PASSWORD, client_requires_second_factor

        amr = GrantAuthentication.objects.filter(grant__code=code, grant__application=client).values_list(
            "amr", flat=True
        ).first() or [AMR_PASSWORD]
        if client_requires_second_factor(client.client_id) and AMR_MULTI_FACTOR not in amr:
            return False
        request.amr = amr
        return True

    def _create_authorization_code(self, request, code, expires=None):
        from intranet.twofactor.models import GrantAuthentication
        from intranet.twofactor.policy import amr_of

        grant = super()._create_authorization_code(request, code, expires)
        GrantAuthentication.objects.create(grant=grant, amr=amr_of(getattr(request.user, "otp_device", None)))
        return grant

    def get_id_token_dictionary(self, token, token_handler, request):
        from intranet.twofactor.policy import acr_of

        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        amr = getattr(request, "amr", None)
        if amr:
            claims.update(amr=amr, acr=acr_of(amr))
        return claims, expiration_time

    def get_discovery_claims(self, request):
        return [*super().get_discovery_claims(request), "iss", "aud", "exp", "iat", "auth_time", "amr", "acr"]

    def _create_refresh_token(self, request, refresh_token_code, access_token, previous_refresh_token):
        from intranet.twofactor.models import RefreshAuthentication

        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        amr = getattr(request, "amr", None)
        if amr:
            RefreshAuthentication.objects.create(refresh_token=refresh_token, amr=amr)
        return refresh_token

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        from intranet.twofactor.models import RefreshAuthentication
        from intranet.twofactor.policy import AMR_MULTI_FACTOR, client_requires_second_factor

        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        if not (valid and _active(request)):
            return False
        # A refresh token issued before RefreshAuthentication existed has none: its ID token says nothing
        # of the method, and a client that requires a second factor must send the agent through a login.
        amr = (
            RefreshAuthentication.objects.filter(refresh_token=request.refresh_token_instance)
            .values_list("amr", flat=True)
            .first()
        )
        if client_requires_second_factor(client.client_id) and AMR_MULTI_FACTOR not in (amr or []):
            return False
        request.amr = amr
        return True

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        if not _active(request):
            request.oauth2_error = {"error": "invalid_token", "error_description": "The account is disabled."}
            return False
        return True


def _active(request) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_active


class ConnectDiscoveryInfoView(views.ConnectDiscoveryInfoView):
    """DOT's discovery document, plus the `acr` values our ID tokens carry (OpenID Connect Discovery §3)."""

    def get(self, request, *args, **kwargs):
        from intranet.twofactor.policy import ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR

        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data["acr_values_supported"] = [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR]
        data["claims_supported"] = sorted(data["claims_supported"])
        response.content = json.dumps(data)
        return response


class AuthorizationView(views.AuthorizationView):
    """DOT's authorize endpoint (login required, consent screen unless the client is trusted), whose consent
    form may post on to the client: Chromium applies CSP form-action to the redirect that follows.
    A client that requires a second factor sends a password-only session through the verification step
    (or enrolment) and back here first."""

    def dispatch(self, request, *args, **kwargs):
        from intranet.twofactor.policy import client_requires_second_factor, is_enrolled

        client_id = request.POST.get("client_id") or request.GET.get("client_id")
        user = request.user
        if user.is_authenticated and not user.is_verified() and client_requires_second_factor(client_id):
            step = "twofactor:verify" if is_enrolled(user) else "twofactor:overview"
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return super().dispatch(request, *args, **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        parts = urlsplit(context.get("redirect_uri") or "")
        # The redirect_uri was checked against the client's registered ones before the form is rendered.
        if parts.scheme in {"http", "https"} and _SAFE_NETLOC.fullmatch(parts.netloc):
            response["Content-Security-Policy"] = STRICT_CSP.replace(
                "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
            )
        return response
