"""The API root: /api/v1/, session auth for the browser, personal access tokens for scripts.

Apps add their routers in their AppConfig.ready() through `api.add_router(...)`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from intranet.api_schema import document_errors
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


class IntranetAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        # Every operation also declares the errors every operation can answer (intranet.api_schema).
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = IntranetAPI(
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
    detail = str(exc)
    if exc.status_code == 403 and detail == "CSRF check Failed":  # ninja's own words, under a session login
        detail = _("Requête refusée : jeton CSRF manquant ou invalide. Rechargez la page et recommencez.")
    elif exc.status_code == 400 and detail.startswith("Cannot parse request body"):
        # ninja's words for a body its parser refused (malformed JSON, multipart without a boundary…).
        detail = _("Contenu de la requête illisible : envoyez un JSON valide ou un formulaire bien formé.")
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(Http404)
@api.exception_handler(PermissionDenied)
def _not_found(request, exc):
    # Forbidden and missing answer alike; Django's own messages (« No Booking matches… ») are not for agents.
    return api.create_response(request, {"detail": _("Introuvable.")}, status=404)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return api.create_response(
        request, {"detail": _("La requête est trop volumineuse pour être acceptée.")}, status=413
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    """Ninja's 422, with a French sentence naming the fields beside pydantic's details."""
    errors = [
        {
            "loc": [str(part) if not isinstance(part, int) else part for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors
    ]
    fields = []
    for error in errors:
        # ["body", "payload", "start"] -> "start"; ["query", "page"] -> "page"
        loc = [str(part) for part in error["loc"]]
        name = ".".join(p for p in loc[1:] if p != "payload") or ".".join(loc)
        if name and name not in fields:
            fields.append(name)
    named = ", ".join(fields[:10]) or _("la requête")
    detail = _("Requête invalide : vérifiez %(fields)s.") % {"fields": named}
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


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
