"""The API root: /api/v1/, session auth for the browser, personal access tokens for scripts.

Apps add their routers in their AppConfig.ready() through `api.add_router(...)`.
"""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer

from intranet.params import BadParameter
from intranet.people.actions import api_token_authenticate


class SessionAuth(APIKeyCookie):
    """The browser's Django session (CSRF checked on unsafe methods by APIKeyCookie)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ccfi_…`: a personal access token created on the agent's tokens page."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="API de l'intranet des agents",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_decorator=login_required,
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request,
        {
            "detail": _(
                "Authentification requise : connectez-vous ou envoyez un jeton d'accès personnel valide."
            )
        },
        status=401,
    )


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(BadParameter)
def _bad_parameter(request, exc):
    return api.create_response(request, {"detail": exc.detail}, status=400)


def api_urls():
    """The API's URL patterns, exempted from LoginRequiredMiddleware: the API answers 401 itself."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        # The schema and its docs page stay behind the login page; operations authenticate themselves.
        if pattern.name not in {"openapi-json", "openapi-view"}:
            pattern.callback.login_required = False
    return patterns, app_name, namespace
