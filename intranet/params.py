"""One place that parses what a client sends: ids, page numbers, dates, datetimes and JSON bodies.

Every parser is bounded and raises `BadParameter` with a French message that says what to send instead.
`intranet.middleware.ErrorPagesMiddleware` turns it into a 400 page for the web routes and
`intranet.api` into `{"detail": "…"}` for the API. Views and consumers call these instead of a local
`int()`, `date.fromisoformat()` or `json.loads()`: a 30-digit id overflows the database's bigint, year 1
or 9999 overflows date arithmetic, JSON nested 100,000 deep blows the recursion limit.
"""

import datetime as dt
import json
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime as _django_parse_datetime
from django.utils.translation import gettext_lazy as _

# Primary keys are bigints (PostgreSQL bigint, SQLite integer): 1..2**63-1.
MAX_ID = 2**63 - 1
# Far beyond any real listing; a bigger number is a hostile one, not a page.
MAX_PAGE = 1_000_000
# Dates outside this window are typing mistakes or attacks; inside it, a week or a month either side
# (what the calendars compute) stays well within Python's and the databases' date range.
MIN_YEAR = 1900
MAX_YEAR = 2999
# JSON bodies the product receives are small and flat (OnlyOffice callbacks, restore requests).
JSON_MAX_DEPTH = 32
JSON_MAX_BYTES = 1024 * 1024

_DIGITS = re.compile(r"[0-9]{1,19}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class BadParameter(ValidationError):
    """A value sent by the client that the product cannot use: answered with a 400 and this message."""

    status_code = 400

    def __init__(self, message, *, param: str = ""):
        super().__init__(message, code="bad_parameter")
        self.param = param

    @property
    def detail(self) -> str:
        return str(self.messages[0])


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return "" if value is None else str(value).strip()


def parse_int(value, *, minimum: int, maximum: int, param: str = "", message=None) -> int:
    """A base-10 integer within [minimum, maximum]; ASCII digits only (no sign, no exponent, no '²')."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _text(value)
        if not _DIGITS.fullmatch(text):
            raise BadParameter(message or _("Ce nombre n'est pas valide."), param=param)
        number = int(text)
    if not minimum <= number <= maximum:
        raise BadParameter(message or _("Ce nombre n'est pas valide."), param=param)
    return number


def parse_id(value, *, param: str = "id") -> int:
    """An object id (1..2**63-1). A missing object is the caller's 404; a malformed id is this 400."""
    return parse_int(
        value,
        minimum=1,
        maximum=MAX_ID,
        param=param,
        message=_("Identifiant invalide : un nombre entier positif est attendu."),
    )


def parse_optional_id(value, *, param: str = "id") -> int | None:
    """Like `parse_id`, but an absent or empty value is None (an optional filter such as ?site=)."""
    if value is None or _text(value) == "":
        return None
    return parse_id(value, param=param)


def is_valid_id(value) -> bool:
    """For code that must not raise (consumers, filters that ignore a bad value)."""
    try:
        parse_id(value)
    except BadParameter:
        return False
    return True


def parse_page(value, *, default: int = 1, param: str = "page") -> int:
    """A page number (1..MAX_PAGE); absent means `default`. Past the last page is the paginator's
    business: `Paginator.get_page()` answers the last page, API listings an empty one."""
    if value is None or _text(value) == "":
        return default
    return parse_int(
        value,
        minimum=1,
        maximum=MAX_PAGE,
        param=param,
        message=_("Numéro de page invalide : un nombre entier entre 1 et 1 000 000 est attendu."),
    )


def check_date(value: dt.date, *, param: str = "date") -> dt.date:
    """Refuse a date outside MIN_YEAR..MAX_YEAR (works for datetimes too)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise BadParameter(
            _("Date hors limites : choisissez une date entre les années %(min)s et %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR},
            param=param,
        )
    return value


def parse_date(value, *, default: dt.date | None = None, param: str = "date") -> dt.date | None:
    """An ISO date `AAAA-MM-JJ` within the sane window; absent means `default`."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return check_date(value, param=param)
    text = _text(value)
    if text == "":
        return default
    if not _ISO_DATE.fullmatch(text):
        raise BadParameter(_("Date invalide : utilisez le format AAAA-MM-JJ."), param=param)
    try:
        parsed = dt.date.fromisoformat(text)
    except ValueError:
        raise BadParameter(_("Cette date n'existe pas."), param=param) from None
    return check_date(parsed, param=param)


def check_datetime(value: dt.datetime, *, param: str = "datetime") -> dt.datetime:
    """Bound a datetime already parsed (by ninja/pydantic, a form) and make a naive one aware in the
    current time zone, so comparing it with stored datetimes never fails."""
    check_date(value, param=param)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def parse_datetime(
    value, *, default: dt.datetime | None = None, param: str = "datetime"
) -> dt.datetime | None:
    """An ISO datetime (`AAAA-MM-JJTHH:MM[:SS][+HH:MM]`) within the sane window, always aware."""
    if isinstance(value, dt.datetime):
        return check_datetime(value, param=param)
    text = _text(value)
    if text == "":
        return default
    try:
        parsed = _django_parse_datetime(text) if len(text) <= 64 else None
    except ValueError:
        raise BadParameter(_("Cette date et heure n'existe pas."), param=param) from None
    if parsed is None:
        raise BadParameter(_("Date et heure invalides : utilisez le format AAAA-MM-JJTHH:MM."), param=param)
    return check_datetime(parsed, param=param)


def _depth_exceeds(data, limit: int) -> bool:
    # Iterative: the point is not to recurse on hostile data.
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_json(body, *, max_depth: int = JSON_MAX_DEPTH, max_bytes: int = JSON_MAX_BYTES):
    """A JSON document of bounded size and nesting. The C decoder refuses absurd nesting with a
    RecursionError (caught here); the depth walk then holds the product's own, much lower, limit."""
    if body is None:
        body = b""
    if len(body) > max_bytes:
        raise BadParameter(_("Contenu JSON trop volumineux."), param="body")
    try:
        data = json.loads(body)
    except RecursionError:
        raise BadParameter(_("Contenu JSON trop imbriqué."), param="body") from None
    except (ValueError, TypeError):
        raise BadParameter(_("Contenu JSON invalide."), param="body") from None
    if _depth_exceeds(data, max_depth):
        raise BadParameter(_("Contenu JSON trop imbriqué."), param="body")
    return data


class IdConverter:
    """`<id:pk>` in URL patterns: 1..2**63-1. Anything bigger does not match, so the URL is a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("id out of range")
        return number

    def to_url(self, value) -> str:
        return str(int(value))
