from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .errors import TOO_LARGE, error_response, is_api
from .params import BadParameter

# Our pages run no inline script or style: a strict policy. The Wagtail and Django admins and the API docs
# page need inline code, so they get a looser one, still same-origin only.
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
ADMIN_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
ADMIN_PREFIXES = ("/cms/", "/django-admin/", "/api/v1/docs")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            loose = request.path.startswith(ADMIN_PREFIXES) or (
                settings.DEBUG and "__debug__" in request.path
            )
            response["Content-Security-Policy"] = ADMIN_CSP if loose else STRICT_CSP
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class FrenchFirstLocaleMiddleware:
    """French unless the agent chose another language (language cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many municipal PCs are set up in
    English: the intranet must still greet agents in French.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        from django.utils import translation

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ErrorPagesMiddleware:
    """The product's error pages where Django has no handler of its own.

    - a parameter refused by `intranet.params` (BadParameter) is a 400 with its French message;
    - 405, 413 and 429 answered without a body (`require_http_methods`, size and rate limits) get their page;
    - an agent without access to the Wagtail admin gets a 403 that says why, instead of a loop between
      /cms/ and the login page (which sends an authenticated agent straight back);
    - with DEBUG on (the demo), missing and refused objects still show the product's pages, not Django's
      technical ones, unless DEBUG_TECHNICAL_404 asks for them; tracebacks of real errors stay.
    """

    REPLACED_WHEN_EMPTY = {405, 413, 429}
    # Bodies that say nothing to an agent: none, or django-ninja's English 405 for a method a route lacks.
    PLACEHOLDER_BODIES = (b"", b"Method not allowed")
    KEPT_HEADERS = ("Allow", "Retry-After")

    def __init__(self, get_response):
        self.get_response = get_response

    def _technical_pages_wanted(self) -> bool:
        return settings.DEBUG and settings.DEBUG_TECHNICAL_404

    def __call__(self, request):
        if "\x00" in request.path_info:
            # No page, file or object has a NUL in its address: such a path names nothing (404, as for any
            # missing object), and it must not reach a lookup (PostgreSQL refuses NUL in text: a 500).
            return error_response(request, 404)
        self._drop_nul_from_query(request)
        user = getattr(request, "user", None)
        if (
            request.path.startswith("/cms/")
            and user is not None
            and user.is_authenticated
            and not user.has_perm("wagtailadmin.access_admin")
        ):
            return error_response(
                request,
                403,
                _(
                    "L'administration du contenu est réservée aux rédacteurs et au service communication. "
                    "Pour publier une actualité ou modifier une page, adressez-vous à eux."
                ),
            )
        response = self.get_response(request)
        if getattr(response, "product_error_page", False) or response.streaming:
            return response
        status = response.status_code
        if status in self.REPLACED_WHEN_EMPTY and response.content in self.PLACEHOLDER_BODIES:
            page = error_response(request, status)
        elif (
            status == 404
            and settings.DEBUG
            and not self._technical_pages_wanted()
            and not is_api(request)
            and b"<code>DEBUG = True</code>" in response.content
        ):
            # Django's technical 404 for a path no URL pattern matches (Resolver404 is raised outside the
            # view, so process_exception never sees it).
            page = error_response(request, 404)
        else:
            return response
        for header in self.KEPT_HEADERS:
            if header in response:
                page[header] = response[header]
        return page

    @staticmethod
    def _drop_nul_from_query(request) -> None:
        """A NUL in the query string means nothing to any filter, search box or API parameter, and
        PostgreSQL refuses it in every text parameter (« cannot contain NUL (0x00) bytes », a 500, found by
        tests/test_route_crawler.py). It is removed from names and values once for all views, so an odd
        filter is still reported and ignored by its page, as any other unknown value is."""
        query = request.META.get("QUERY_STRING", "")
        if "%00" not in query and "\x00" not in query:
            return
        cleaned = QueryDict(mutable=True, encoding=request.encoding)
        for key, values in request.GET.lists():
            for value in values:
                cleaned.appendlist(key.replace("\x00", ""), value.replace("\x00", ""))
        cleaned._mutable = False
        request.GET = cleaned

    @staticmethod
    def _malformed_admin_id(request, exception) -> bool:
        """Wagtail's generic admin views look objects up with the URL's raw `<str:pk>`: a non-numeric id
        reaches the integer primary key and raises « Field 'id' expected a number… ». Such an id names no
        object, so it is a 404, as for a missing one (found by tests/test_route_crawler.py)."""
        return (
            request.path.startswith("/cms/")
            and isinstance(exception, ValueError)
            and str(exception).startswith("Field '")
            and "expected a number" in str(exception)
        )

    def process_exception(self, request, exception):
        if isinstance(exception, BadParameter):
            return error_response(request, 400, exception.detail)
        if self._malformed_admin_id(request, exception):
            return error_response(request, 404)
        if not settings.DEBUG or self._technical_pages_wanted():
            # Django's own handling: its handlers are ours (intranet.errors), and it logs suspicious
            # operations to django.security.
            return None
        # DEBUG on: Django would show its technical pages for these; the demo shows the product's.
        if isinstance(exception, Http404):
            return error_response(request, 404)
        if isinstance(exception, PermissionDenied):
            return error_response(request, 403)
        if isinstance(exception, TOO_LARGE):
            return error_response(request, 413)
        if isinstance(exception, (BadRequest, SuspiciousOperation, MultiPartParserError)):
            return error_response(request, 400)
        return None
