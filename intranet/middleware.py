from django.conf import settings

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
