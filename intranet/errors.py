"""The product's own error pages (400, 403, 404, 405, 413, 429, 500), in French with a way back.

Django's handlers cover 400, 403, 404 and 500; `intranet.middleware.ErrorPagesMiddleware` brings the
others (405 from `require_http_methods`, 413 and 429 answered without a body) and the parameters refused
by `intranet.params`. Under /api/ the same errors are JSON `{"detail": "…"}`, like the API's own.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

# The one-line message of each page, also the API's `detail`.
MESSAGES = {
    400: lambda: _("La demande n'est pas valide. Vérifiez l'adresse ou le formulaire, puis réessayez."),
    403: lambda: _("Vous n'avez pas les droits nécessaires pour cette action."),
    404: lambda: _("Cette page n'existe pas ou vous n'y avez pas accès."),
    405: lambda: _("Cette adresse ne s'utilise pas de cette façon : repartez de la page précédente."),
    413: lambda: _("Le contenu envoyé est trop volumineux. Réduisez sa taille puis réessayez."),
    429: lambda: _("Trop de demandes en peu de temps. Patientez quelques instants puis réessayez."),
    500: lambda: _("L'intranet n'a pas pu traiter votre demande. Réessayez dans quelques instants."),
}

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def back_url(request) -> str:
    """The page the agent came from, when it is one of ours: the error page's way back."""
    referer = request.headers.get("Referer", "")
    if (
        referer
        and len(referer) <= 2000
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return referer
    return ""


def error_response(request, status: int, message: str | None = None, **context) -> HttpResponse:
    """The error page (or JSON under /api/) for `status`, with `message` when there is a precise one."""
    detail = str(message) if message else MESSAGES[status]()
    if is_api(request):
        response = JsonResponse({"detail": detail}, status=status)
    else:
        template = loader.get_template(f"{status}.html")
        response = HttpResponse(
            template.render({"message": message, "back_url": back_url(request), **context}, request),
            status=status,
        )
    # Tells ErrorPagesMiddleware this answer is already the product's page.
    response.product_error_page = True
    return response


@login_not_required
def bad_request(request, exception=None):
    # Django reports an oversize body (DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or files) as a
    # SuspiciousOperation, that is a 400; it is a 413 for the agent.
    if isinstance(exception, TOO_LARGE):
        return error_response(request, 413)
    return error_response(request, 400)


@login_not_required
def permission_denied(request, exception=None):
    return error_response(request, 403)


@login_not_required
def page_not_found(request, exception=None):
    return error_response(request, 404)


@login_not_required
def server_error(request):
    if is_api(request):
        return JsonResponse({"detail": MESSAGES[500]()}, status=500)
    # No request context: the database (context processors, session) may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
