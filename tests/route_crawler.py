"""The route crawler's machinery (used by tests/test_route_crawler.py).

- `routes()` walks Django's resolver (includes too) and returns every URL pattern with its converters;
  `build()` fills a pattern with values, regex patterns included.
- The hostile corpus of security.md (R4, "R6 in practice"): values per converter kind, query values,
  headers and bodies.
- `QueryParamRecorder` wraps `request.GET` so that every key a view reads (get, [], getlist, in) is noted
  against its route. The crawler's discovery pass records live; the committed file
  `route_crawler_params.json` holds what the existing tests read. To refresh it (after adding a view that
  reads new query parameters), run some tests with this module as a plugin:
      ROUTE_CRAWLER_RECORD=1 PYTHONPATH=. scripts/test.sh -p tests.route_crawler tests/rooms tests/news …
  and it merges what it saw into the file.
- `french()` says whether an error page or JSON detail speaks French.
"""

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

PARAMS_FILE = Path(__file__).with_name("route_crawler_params.json")

# Parameters the crawler always tries, whatever a view was seen reading.
FIXED_QUERY_PARAMS = ("page", "q", "next", "semaine", "jour", "start", "end", "site", "id", "format")

THIRD_PARTY_PREFIXES = ("cms/", "django-admin/", "o/")


# --- the corpus ------------------------------------------------------------------------------------------

BIG = "9" * 30
TEN_KB = "a" * 10240
# Values already percent-encoded where they must be: they go into the URL as they are.
HOSTILE_INT = ["0", BIG, str(2**63 - 1), str(2**63), "0" * 40 + "1", "9" * 5000]
HOSTILE_TEXT = [
    "-1",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "%FF%FE",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "'%22%3B--",
    "%E2%80%AE",
    "1e309",
    "NaN",
    "CON",
    TEN_KB,
]
HOSTILE_SLUG = [BIG, "-1", "0001-01-01", "9999-12-31", "_", "-", TEN_KB]
HOSTILE_UUID = ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"]
HOSTILE_PATH = ["../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "a/" * 500, "x%00.png", "%ED%A0%80.png", "."]

HOSTILE_QUERY = [
    BIG,
    "0",
    "-1",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "2026-02-30T25:61:00",
    "999999",  # a page far past the end
    "1e309",
    "NaN",
    "%00",
    "a%00b",
    "%ED%A0%80",
    "%FF",
    TEN_KB,
    "..%2F..%2Fetc%2Fpasswd",
    "%2F%2Fevil.example%2F",
    "https%3A%2F%2Fevil.example%2F",
    "%2Fconnexion%2F",
    "%2Fconnexion%2F%3Fnext%3D%2Fconnexion%2F",
    "",
    "%5B%5D",
    "%E2%80%AE",
    "2026-W99",
]

RANGE_BIG = "bytes=" + "9" * 5000 + "-"
HOSTILE_HEADERS = [
    {"Range": RANGE_BIG},
    {"Range": "bytes=0-" + "9" * 5000},
    {"Range": "bytes=-" + "9" * 5000},
    {"Range": "bytes=5-1"},
    {"Range": "bytes=" + ",".join(["0-0"] * 2000)},
    {"Range": "octets=a-b"},
    {"If-Match": '"\x7f garbage'},
    {"If-None-Match": "W/" + "x" * 5000},
    {"If-Modified-Since": "9999-12-31"},
    {"If-Range": "0001-01-01T00:00:00"},
    {"Accept": "application/json"},
    {"HX-Request": "true", "HX-Current-URL": "javascript:alert(1)"},
    {"Accept-Language": "en-US,en;q=0.9"},
]


def _deep_json(depth=100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def _deep_object(depth=100_000) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


_BOUNDARY = "crawlerboundary"


def _multipart(part_headers: str, content=b"x") -> bytes:
    return f"--{_BOUNDARY}\r\n{part_headers}\r\n\r\n".encode() + content + f"\r\n--{_BOUNDARY}--\r\n".encode()


@dataclass(frozen=True)
class Body:
    name: str
    content_type: str
    make: object  # a callable: bodies are built when sent, so 10 MB never sits in memory for long
    headers: tuple = ()
    costly: bool = False


HOSTILE_BODIES = [
    Body("json nested 100,000 deep", "application/json", _deep_json),
    Body("json object nested 100,000 deep", "application/json", _deep_object),
    Body(
        "json with NUL and lone surrogate",
        "application/json",
        lambda: b'{"id": "\\u0000", "text": "a\\u0000b\\ud800", "name": "\\ud800", "comment": "\\u0000"}',
    ),
    Body("json with a 30-digit id", "application/json", lambda: b'{"id": ' + BIG.encode() + b', "page": 0}'),
    Body("json not an object", "application/json", lambda: b"[null, null]"),
    Body("json truncated", "application/json", lambda: b'{"a": '),
    Body(
        "multipart without boundary",
        "multipart/form-data",
        lambda: _multipart('Content-Disposition: form-data; name="a"'),
    ),
    Body("multipart empty boundary", "multipart/form-data; boundary=", lambda: b"--\r\n\r\n--"),
    Body(
        "multipart part header of 2 KB",
        f"multipart/form-data; boundary={_BOUNDARY}",
        lambda: _multipart(f'Content-Disposition: form-data; name="file"; filename="{"a" * 2048}.txt"'),
    ),
    Body(
        "multipart extra header of 2 KB",
        f"multipart/form-data; boundary={_BOUNDARY}",
        lambda: _multipart(
            'Content-Disposition: form-data; name="file"; filename="a.txt"\r\nX-Pad: ' + "a" * 2048
        ),
    ),
    Body(
        "multipart truncated",
        f"multipart/form-data; boundary={_BOUNDARY}",
        lambda: _multipart('Content-Disposition: form-data; name="file"; filename="a.txt"')[:-20],
    ),
    Body(
        "form with NUL and surrogates",
        "application/x-www-form-urlencoded",
        lambda: b"text=%00&name=%ED%A0%80&id=" + BIG.encode() + b"&start=9999-12-31T23:59:59&page=0",
    ),
    Body("form declared JSON", "application/json", lambda: b"text=bonjour&id=1"),
    Body("json declared form", "application/x-www-form-urlencoded", lambda: b'{"text": "bonjour"}'),
    Body("unknown charset", "application/x-www-form-urlencoded; charset=utf-999", lambda: b"text=bonjour"),
    Body("text/plain", "text/plain", lambda: b"bonjour"),
    Body(
        "garbage If-Match",
        "application/x-www-form-urlencoded",
        lambda: b"text=x",
        headers=(("If-Match", '"\x7f'),),
    ),
    Body("10 MB of NUL", "application/octet-stream", lambda: b"\x00" * (10 * 1024 * 1024), costly=True),
    Body(
        "10 MB of NUL as a form",
        "application/x-www-form-urlencoded",
        lambda: b"\x00" * (10 * 1024 * 1024),
        costly=True,
    ),
]


# --- routes ------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass
class Route:
    key: str  # as ResolverMatch.route spells it
    template: str  # "salles/{pk}/" with one {slot} per value
    kinds: dict  # slot -> "int" | "slug" | "str" | "uuid" | "path"
    third_party: bool
    api_methods: set = field(default_factory=set)

    @property
    def slots(self):
        return list(self.kinds)


def _join(route1: str, route2: str) -> str:
    # As django.urls.resolvers.URLResolver._join_route does, so keys equal ResolverMatch.route.
    if not route1:
        return route2
    return route1 + route2.removeprefix("^")


def _kind_of_converter(converter) -> str:
    name = type(converter).__name__
    if name in {"IntConverter", "IdConverter"}:
        return "int"
    return {"SlugConverter": "slug", "UUIDConverter": "uuid", "PathConverter": "path"}.get(name, "str")


def _regex_template(regex: str, start: int):
    """A regex route turned into a template: each top-level group becomes a slot whose kind comes from
    what the group matches; anchors, escapes and optional slashes are dropped."""
    out, kinds, i, n = [], {}, 0, start
    while i < len(regex):
        char = regex[i]
        if char == "(":
            depth, j = 1, i + 1
            while depth:
                if regex[j] == "\\":
                    j += 1
                elif regex[j] == "(":
                    depth += 1
                elif regex[j] == ")":
                    depth -= 1
                j += 1
            group = regex[i:j]
            name_match = re.match(r"\(\?P<(\w+)>", group)
            slot = name_match.group(1) if name_match else f"arg{n}"
            n += 1
            body = re.sub(r"^\((?:\?P<\w+>|\?:)?", "", group)[:-1]
            if "|" in body and "(" not in body:
                kinds[slot] = "choice:" + body.split("|")[0]
            elif body in {r"\d+", r"[0-9]+"}:
                kinds[slot] = "int"
            elif ".*" in body or ".+" in body or "/)*" in body:
                kinds[slot] = "path"
            else:
                kinds[slot] = "slug"
            out.append("{" + slot + "}")
            i = j
            if i < len(regex) and regex[i] in "*+?":
                i += 1
            continue
        if char in "^$":
            i += 1
            continue
        if char == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
            continue
        if char == "?":  # "/?": keep the slash
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out), kinds


def _template(route: str, converters: dict, is_regex: bool):
    kinds = {}
    if is_regex:
        route, kinds = _regex_template(route, 0)

    def slot(match):
        name = match.group("name")
        kinds[name] = _kind_of_converter(converters[name]) if name in converters else "str"
        return "{" + name + "}"

    return _TOKEN.sub(slot, route), kinds


def _walk(patterns, prefix="", converters=None, regex=False):
    converters = converters or {}
    for pattern in patterns:
        text = str(pattern.pattern)
        is_regex = regex or type(pattern.pattern).__name__ == "RegexPattern"
        merged = {**converters, **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, _join(prefix, text), merged, is_regex)
        elif isinstance(pattern, URLPattern):
            yield _join(prefix, text), merged, is_regex


def api_operations() -> tuple[dict, dict]:
    """From django-ninja's own routers (not the generated schema): each API route's methods and the query
    parameters its operations declare."""
    from django.urls import reverse

    from intranet.api import api

    root = reverse(f"{api.urls_namespace}:api-root").lstrip("/")
    methods, query = {}, {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            key = root + re.sub("/+", "/", f"{prefix}/{path}").lstrip("/").replace("{", "<").replace("}", ">")
            for operation in path_view.operations:
                methods.setdefault(key, set()).update(operation.methods)
                for model in operation.models:
                    if getattr(model, "__ninja_param_source__", None) != "query":
                        continue
                    for name, info in model.model_fields.items():
                        nested = getattr(info.annotation, "model_fields", None)
                        names = nested.keys() if nested else [info.alias or name]
                        query.setdefault(key, set()).update(names)
    return methods, query


def routes() -> list[Route]:
    """Every URL pattern of the project, once each (ninja registers one path per method group)."""
    api_methods, _query = api_operations()
    seen, found = set(), []
    for key, converters, is_regex in _walk(get_resolver().url_patterns):
        if key in seen:
            continue
        seen.add(key)
        template, kinds = _template(key, converters, is_regex)
        found.append(
            Route(
                key=key,
                template=template,
                kinds=kinds,
                third_party=key.startswith(THIRD_PARTY_PREFIXES),
                api_methods=api_methods.get(key, set()),
            )
        )
    return found


def default_value(kind: str, slot: str = "") -> str:
    if slot == "pk" or slot.endswith("_id"):
        return "1"
    if kind.startswith("choice:"):
        return kind.removeprefix("choice:")
    return {"int": "1", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001", "path": "x/"}.get(
        kind, "x"
    )


def hostile_values(kind: str) -> list[str]:
    if kind == "int":
        return HOSTILE_INT + HOSTILE_TEXT[:8]
    if kind == "slug":
        return HOSTILE_SLUG + HOSTILE_TEXT[4:9]
    if kind == "uuid":
        return HOSTILE_UUID + [BIG, "%00", "%ED%A0%80", TEN_KB]
    if kind == "path":
        return HOSTILE_PATH + HOSTILE_TEXT
    return HOSTILE_INT[:5] + HOSTILE_TEXT  # API path parameters are typed by ninja, not by the URL


def build(route: Route, values: dict) -> str:
    return "/" + route.template.format_map(
        {slot: values.get(slot, default_value(kind, slot)) for slot, kind in route.kinds.items()}
    )


# --- query parameters each view reads --------------------------------------------------------------------


def load_recorded() -> dict:
    if PARAMS_FILE.exists():
        return {key: set(names) for key, names in json.loads(PARAMS_FILE.read_text()).items()}
    return {}


def save_recorded(recorded: dict) -> None:
    merged = load_recorded()
    for key, names in recorded.items():
        merged.setdefault(key, set()).update(names)
    data = {key: sorted(names) for key, names in sorted(merged.items()) if names}
    PARAMS_FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


class QueryParamRecorder:
    """While active, every key a view reads from `request.GET` is recorded against the request's route."""

    def __init__(self):
        self.recorded: dict[str, set[str]] = {}

    def __enter__(self):
        from django.core.handlers.wsgi import WSGIRequest, get_bytes_from_wsgi
        from django.http import QueryDict

        recorded = self.recorded

        class RecordingQueryDict(QueryDict):
            def _note(self, key):
                request = self.__dict__.get("_crawler_request")
                match = getattr(request, "resolver_match", None) if request is not None else None
                if match is not None and isinstance(key, str):
                    recorded.setdefault(match.route, set()).add(key)

            def __getitem__(self, key):
                self._note(key)
                return super().__getitem__(key)

            def get(self, key, default=None):
                self._note(key)
                return super().get(key, default)

            def getlist(self, key, default=None):
                self._note(key)
                return super().getlist(key, default)

            def __contains__(self, key):
                self._note(key)
                return super().__contains__(key)

        def get_query(request):
            query = request.__dict__.get("_crawler_GET")
            if query is None:
                raw = get_bytes_from_wsgi(request.environ, "QUERY_STRING", "")
                query = RecordingQueryDict(raw, encoding=request._encoding)
                query.__dict__["_crawler_request"] = request
                request.__dict__["_crawler_GET"] = query
            return query

        def set_query(request, value):
            request.__dict__["_crawler_GET"] = value

        self._original = WSGIRequest.__dict__["GET"]
        self._class = WSGIRequest
        WSGIRequest.GET = property(get_query, set_query)
        return self

    def __exit__(self, *exc):
        self._class.GET = self._original


# --- a pytest plugin to record during the existing tests (see the module docstring) ----------------------

_session_recorder = None


def pytest_configure(config):
    global _session_recorder
    if os.environ.get("ROUTE_CRAWLER_RECORD"):
        _session_recorder = QueryParamRecorder().__enter__()


def pytest_unconfigure(config):
    if _session_recorder is not None:
        _session_recorder.__exit__(None, None, None)
        save_recorded(_session_recorder.recorded)


# --- checks ------------------------------------------------------------------------------------------------

_FRENCH = re.compile(
    r"[àâçéèêëîïôûùüœ]|\b(?:le|la|les|des|du|une|est|pas|cette|vous|votre|aucun|aucune|introuvable|"
    r"invalide|connectez|demande|refusé)\b|\b[dlnq]u?'\w",
    re.IGNORECASE,
)


def french(text: str) -> bool:
    return bool(_FRENCH.search(text))


# --- the crawl ---------------------------------------------------------------------------------------------

_LINK = re.compile(r'(?:href|action|hx-get|hx-post|src|data-[\w-]+)="(/[^"#]*)"')
# API path parameters get real values from the web page of the same object.
API_SOURCES = {
    ("ged/documents", "document_id"): ("documents/document/", "pk"),
    ("ged/folders", "folder_id"): ("documents/dossier/", "pk"),
    ("ged/versions", "version_id"): ("documents/version/", "pk"),
    ("ged/spaces", "slug"): ("documents/espace/", "slug"),
    ("rooms/", "room_id"): ("salles/<", "pk"),
    ("bookings/", "booking_id"): ("salles/reservations/", "pk"),
    ("chat/salons", "salon_id"): ("discussions/<", "pk"),
    ("people/", "username"): ("annuaire/<str:username>", "username"),
    ("departments/", "slug"): ("annuaire/services/<", "slug"),
}
NOT_FOLLOWED = ("/static/", "/deconnexion/", "/i18n/", "/cms/", "/django-admin/", "/o/", "/api/")


@dataclass
class Case:
    route: Route
    method: str
    url: str
    what: str
    body: Body | None = None
    headers: dict = field(default_factory=dict)


@dataclass
class Failure:
    role: str
    case: Case
    status: int
    reason: str

    def __str__(self):
        url = self.case.url if len(self.case.url) <= 160 else self.case.url[:150] + "…"
        return f"[{self.role}] {self.case.method} {url} ({self.case.what}): {self.status} {self.reason}"


class Crawler:
    """Sends cases through Django's test client, each in a transaction rolled back afterwards (every
    request sees the same demo data, whatever the one before deleted), and keeps what went wrong."""

    def __init__(
        self,
        recorder: QueryParamRecorder,
        *,
        per_route: int,
        third_party: int,
        costly_per_role: int,
        seed: int,
    ):
        self.recorder = recorder
        self.per_route = per_route
        self.third_party = third_party
        self.costly_per_role = costly_per_role
        self.seed = seed
        self.routes = routes()
        self.recorded = load_recorded()
        for key, names in api_operations()[1].items():
            self.recorded.setdefault(key, set()).update(names)
        self.failures: list[Failure] = []
        self.statuses: dict[int, int] = {}
        self.sent = 0
        self.slowest: list[tuple] = []

    # sending

    def send(self, client, role: str, case: Case):
        from django.db import transaction

        cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        body = case.body.make() if case.body else b""
        content_type = case.body.content_type if case.body else "application/x-www-form-urlencoded"
        headers = {**(dict(case.body.headers) if case.body else {}), **case.headers}
        response = None
        started = time.monotonic()
        try:
            with transaction.atomic():
                response = client.generic(case.method, case.url, body, content_type, headers=headers)
                content = b"".join(response.streaming_content) if response.streaming else response.content
                transaction.set_rollback(True)
        except Exception as exc:  # the client re-raises nothing (raise_request_exception=False): a bug here
            self.failures.append(Failure(role, case, 0, f"exception {exc!r}"[:300]))
            return None
        finally:
            client.cookies.clear()
            for name, value in cookies.items():
                client.cookies[name] = value
        self.sent += 1
        elapsed = time.monotonic() - started
        self.slowest = sorted([*self.slowest, (elapsed, role, case)], key=lambda item: -item[0])[:5]
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        self.check(role, case, response, content)
        return response, content

    def report(self, limit=60) -> str:
        """Failures grouped by route, method, status and reason, one example each: one line per cause."""
        groups: dict[tuple, list[Failure]] = {}
        for failure in self.failures:
            reason = re.sub(r"\d{6,}", "<digits>", failure.reason)[:90]
            groups.setdefault(
                (failure.case.route.key, failure.case.method, failure.status, reason), []
            ).append(failure)
        lines = [f"{len(self.failures)} failures, {len(groups)} distinct:"]
        for (key, method, status, reason), items in list(groups.items())[:limit]:
            roles = sorted({item.role for item in items})
            lines.append(
                f"- {method} /{key} -> {status} {reason} ×{len(items)} ({', '.join(roles)}); e.g. {items[0]}"
            )
        return "\n".join(lines)

    def check(self, role, case, response, content):
        status = response.status_code
        if status >= 500:
            exc = getattr(response, "exc_info", None)
            reason = f"{exc[0].__name__}: {str(exc[1])[:200]}" if exc else "server error"
            self.failures.append(Failure(role, case, status, reason))
        elif 400 <= status < 500:
            content_type = response.get("Content-Type", "")
            # Under the third-party prefixes, JSON answers are for machines (the Wagtail admin's own API,
            # OpenID Connect's standard error codes, sometimes sent as text/html), not for agents: only
            # their pages must speak French.
            machine = case.route.third_party and content.lstrip()[:1] in (b"{", b"[")
            if ("html" in content_type or "json" in content_type) and not machine:
                text = content.decode("utf-8", "replace")
                if not french(text):
                    self.failures.append(Failure(role, case, status, f"no French in {text[:120]!r}"))

    # discovery

    def discover(self, client, role: str, budget: int) -> dict:
        """A small spider from every page without parameters: real values for each route's slots (links,
        forms), and, through the recorder, the query parameters each view reads."""
        from django.urls import Resolver404, resolve

        found: dict[str, list[dict]] = {}
        queue = ["/"] + [
            build(r, {}) for r in self.routes if not r.kinds and not r.third_party and not r.api_methods
        ]
        fetched, seen, per_route = 0, set(queue), {}
        while queue and fetched < budget:
            url = queue.pop(0)
            path = url.split("?")[0]
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if per_route.get(match.route, 0) >= 2:
                continue
            per_route[match.route] = per_route.get(match.route, 0) + 1
            result = self.send(client, role, Case(Route(match.route, "", {}, False), "GET", url, "discovery"))
            fetched += 1
            if result is None or result[0].status_code != 200:
                continue
            if "html" not in result[0].get("Content-Type", ""):
                continue
            for link in _LINK.findall(result[1].decode("utf-8", "replace")):
                link = link.replace("&amp;", "&")
                try:
                    target = resolve(link.split("?")[0])
                except Resolver404:
                    continue
                values = {key: str(value) for key, value in target.kwargs.items()}
                values.update({f"arg{i}": str(value) for i, value in enumerate(target.args)})
                if values and values not in found.setdefault(target.route, []):
                    found[target.route].append(values)
                if link not in seen and not link.startswith(NOT_FOLLOWED):
                    seen.add(link)
                    queue.append(link)
        return found

    def valid_values(self, route: Route, found: dict) -> list[dict]:
        if not route.kinds:
            return [{}]
        if found.get(route.key):
            return found[route.key][:2]
        if route.api_methods:
            values = {}
            for slot in route.kinds:
                for (api_part, name), (web_prefix, web_slot) in API_SOURCES.items():
                    if name == slot and api_part in route.key:
                        for key, candidates in found.items():
                            if key.startswith(web_prefix) and candidates and web_slot in candidates[0]:
                                values[slot] = candidates[0][web_slot]
                                break
                    if slot in values:
                        break
            return [values]
        return [{}]

    # cases

    def query_params(self, route: Route) -> set:
        names = set(FIXED_QUERY_PARAMS) | self.recorded.get(route.key, set())
        names |= self.recorder.recorded.get(route.key, set())
        return names

    def cases(self, role: str, found: dict) -> list[Case]:
        import random

        rng = random.Random(f"{self.seed}-{role}")
        chosen, costly = [], []
        own = [route for route in self.routes if not route.third_party]
        others = [route for route in self.routes if route.third_party]
        for route in own + rng.sample(others, min(self.third_party, len(others))):
            valid = self.valid_values(route, found)
            base = build(route, valid[0])
            methods = sorted(route.api_methods) or ["GET"]
            # Path and query values go with the route's reading method, or its only one (an API POST).
            read = "GET" if "GET" in methods else methods[0]
            must = [Case(route, read, base, "valid values")]
            optional = []
            for values in valid:
                for slot, kind in route.kinds.items():
                    for value in hostile_values(kind):
                        url = build(route, {**values, slot: value})
                        optional.append(Case(route, read, url, f"{slot}={value[:20]}"))
            if not route.third_party:
                if not route.api_methods:
                    must.append(Case(route, "POST", base, "empty form"))
                params = sorted(self.query_params(route))
                for value in HOSTILE_QUERY:
                    every = "&".join(f"{param}={value}" for param in params)
                    optional.append(Case(route, read, f"{base}?{every}", f"every parameter={value[:20]}"))
                    for param in params:
                        optional.append(Case(route, read, f"{base}?{param}={value}", f"{param}={value[:20]}"))
                for param in params:
                    optional.append(Case(route, read, f"{base}?{param}=1&{param}={BIG}", f"{param} twice"))
                optional.append(Case(route, read, base + "?%00=1&%ED%A0%80=2", "hostile parameter names"))
                many = "&".join(f"p{i}=1" for i in range(1200))
                optional.append(Case(route, read, f"{base}?{many}", "1,200 parameters"))
                for headers in HOSTILE_HEADERS:
                    optional.append(Case(route, read, base, f"header {next(iter(headers))}", headers=headers))
                optional.append(Case(route, read, base, "foreign Host", headers={"Host": "evil.example"}))
                write_methods = [m for m in methods if m in {"POST", "PUT", "PATCH", "DELETE"}] or ["POST"]
                for body in HOSTILE_BODIES:
                    for method in write_methods:
                        case = Case(route, method, base, body.name, body=body)
                        (costly if body.costly else optional).append(case)
                if not route.api_methods:
                    optional += [
                        Case(route, m, base, f"{m} on a page") for m in ("PUT", "PATCH", "DELETE", "OPTIONS")
                    ]
            chosen += must + rng.sample(optional, min(self.per_route, len(optional)))
        chosen += rng.sample(costly, min(self.costly_per_role, len(costly)))
        return chosen

    def crawl(self, client, role: str, discovery_budget: int) -> int:
        found = self.discover(client, role, discovery_budget)
        cases = self.cases(role, found)
        for case in cases:
            self.send(client, role, case)
        return len(cases)


# --- websockets ----------------------------------------------------------------------------------------


def websocket_routes() -> list[Route]:
    from intranet.routing import websocket_urlpatterns

    found = []
    for key, converters, is_regex in _walk(websocket_urlpatterns):
        template, kinds = _template(key, converters, is_regex)
        found.append(Route(key=key, template=template, kinds=kinds, third_party=False))
    return found


HOSTILE_FRAMES = [
    "{",
    "null",
    "[]",
    '"texte"',
    "{}",
    '{"type": null}',
    '{"type": "read", "id": ' + "1" + "0" * 30 + "}",
    '{"type": "read", "id": "abc"}',
    '{"type": "read", "id": -1}',
    '{"type": "post", "text": null}',
    '{"type": "post", "text": "' + "x" * 100_000 + '", "client_id": ' + BIG + "}",
    '{"type": "post", "text": "\\u0000\\ud800"}',
    '{"type": "edit", "uuid": "zzz", "text": "x"}',
    '{"type": "delete", "uuid": ' + BIG + "}",
    '{"type": "resume", "after": "9999-12-31T23:59:59", "before": "0001-01-01"}',
    '{"type": "typing", "salon": ' + BIG + "}",
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
]
HOSTILE_BINARY_FRAMES = [b"\x00" * 1024, b"\xed\xa0\x80"]
