"""The intranet as an OpenID Connect provider: which claims an agent's ID token and userinfo carry.

Scopes and claims (OpenID Connect Core §5.4, plus `groups`):
- openid → sub (the account's primary key, stable across renames);
- profile → preferred_username, name, given_name, family_name;
- email → email;
- groups → groups: names of the agent's Django groups, departments' groups included.

A deactivated agent (leaver) gets no code exchanged, no refreshed token and no userinfo, even with a token
issued before the deactivation.
"""

import re
from urllib.parse import urlsplit

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
        return super().validate_code(client_id, code, client, request, *args, **kwargs) and _active(request)

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and _active(request)

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


class AuthorizationView(views.AuthorizationView):
    """DOT's authorize endpoint (login required, consent screen unless the client is trusted), whose consent
    form may post on to the client: Chromium applies CSP form-action to the redirect that follows."""

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        parts = urlsplit(context.get("redirect_uri") or "")
        # The redirect_uri was checked against the client's registered ones before the form is rendered.
        if parts.scheme in {"http", "https"} and _SAFE_NETLOC.fullmatch(parts.netloc):
            response["Content-Security-Policy"] = STRICT_CSP.replace(
                "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
            )
        return response
