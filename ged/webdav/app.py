"""The DAV WSGI application: wsgidav configured for the GED and mounted at `/dav`, wrapped so that each
request runs like a Django request (database connections checked and closed, French active). It also answers
OPTIONS and PROPFIND at `/`, which the Windows WebClient sends before it maps a drive.

Locks and dead properties come from `ged.webdav.locks` (`GedLockStorage`, `DavRequestScope`) and
`ged.webdav.props` (`GedPropertyManager`) when those modules exist; without them, wsgidav's in-memory lock
storage (one process only) and no dead properties.
"""

import importlib
import importlib.util
import logging
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import close_old_connections
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real
from wsgidav.error_printer import ErrorPrinter
from wsgidav.request_resolver import RequestResolver
from wsgidav.wsgidav_app import WsgiDAVApp

from .auth import AppPasswordDomainController, FrenchAuthenticator
from .provider import GedProvider

MOUNT = "/dav"
ROOT_METHODS = "OPTIONS, PROPFIND"
DAV_METHODS = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK"


def _optional(module: str, name: str):
    """`module.name` when the module exists (the database lock storage and property store), else None."""
    if importlib.util.find_spec(module) is None:
        return None
    return getattr(importlib.import_module(module), name, None)


def dav_config() -> dict:
    lock_storage = _optional("ged.webdav.locks", "GedLockStorage")
    property_manager = _optional("ged.webdav.props", "GedPropertyManager")
    return {
        "provider_mapping": {"/": GedProvider()},
        "mount_path": MOUNT,
        "middleware_stack": [ErrorPrinter, FrenchAuthenticator, RequestResolver],
        "http_authenticator": {
            "domain_controller": AppPasswordDomainController,
            "accept_basic": True,
            "accept_digest": False,
            "default_to_digest": False,
            "trusted_auth_header": None,
        },
        # Explorer and Office: `MS-Author-Via: DAV`, Win32LastModifiedTime; OPTIONS at `/` without credentials
        # (Explorer asks before it sends any); `/` of the server is answered by DavDispatcher.
        "add_header_MS_Author_Via": True,
        "hotfixes": {
            "emulate_win32_lastmod": True,
            "re_encode_path_info": True,
            "unquote_path_info": False,
            "treat_root_options_as_asterisk": False,  # True answers every method at / as OPTIONS
            "win_accept_anonymous_options": False,
        },
        # True: wsgidav's in-memory storage, one process only (davlocks: GedLockStorage over the database).
        "lock_storage": lock_storage() if lock_storage is not None else True,
        "property_manager": property_manager() if property_manager is not None else None,
        "block_size": settings.GED_DOWNLOAD_CHUNK_KB * 1024,
        "suppress_version_info": True,
        "dir_browser": {"enable": False},
        "logging": {"enable": False},
        "verbose": 1,
    }


def _root_propfind(environ) -> bytes:
    """The server root and, at Depth 1, `/dav/`: two collections, nothing about the GED (no credentials
    needed, Explorer probes this before it sends any)."""

    def entry(href: str, name: str) -> str:
        return (
            f"<D:response><D:href>{href}</D:href><D:propstat><D:prop>"
            f"<D:resourcetype><D:collection/></D:resourcetype><D:displayname>{name}</D:displayname>"
            "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        )

    body = entry("/", "CCFI")
    if environ.get("HTTP_DEPTH", "").strip() == "1":
        body += entry(MOUNT + "/", "dav")
    return (
        f'<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">{body}</D:multistatus>'.encode()
    )


class DavDispatcher:
    """`/dav/…` to wsgidav (SCRIPT_NAME=/dav, as its mount_path expects), OPTIONS and PROPFIND at `/` answered
    here, anything else 404. Every request runs like a Django request."""

    def __init__(self, dav_app, *, manage_connections: bool = True):
        self.dav_app = dav_app
        self.manage_connections = manage_connections

    def __call__(self, environ, start_response):
        # Every request sets its own language (French unless the client asks for another one we have): a
        # thread must never answer in whatever language it last served.
        with translation.override(_request_language(environ)):
            if not self.manage_connections:  # in-process tests: the test owns the connection and transaction
                yield from self._dispatch(environ, start_response)
                return
            close_old_connections()
            try:
                yield from self._dispatch(environ, start_response)
            finally:
                close_old_connections()

    def _dispatch(self, environ, start_response):
        full = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if not (_clean_address(full) and _clean_address(environ.get("HTTP_DESTINATION", ""), quoted=True)):
            body = (
                _("Adresse invalide : le chemin doit être écrit en UTF-8, sans caractère nul ni de contrôle.")
                + "\n"
            ).encode()
            start_response(
                "400 Bad Request",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            yield body
            return
        if full == MOUNT or full.startswith(MOUNT + "/"):
            environ["SCRIPT_NAME"], environ["PATH_INFO"] = MOUNT, full[len(MOUNT) :] or "/"
            result = self.dav_app(environ, start_response)
            try:
                yield from result
            finally:
                if hasattr(result, "close"):
                    result.close()
            return
        headers = [("DAV", "1, 2"), ("MS-Author-Via", "DAV"), ("Allow", ROOT_METHODS)]
        if full in ("", "/") and method == "OPTIONS":
            start_response("200 OK", [*headers, ("Content-Length", "0")])
            return
        if full in ("", "/") and method == "PROPFIND":
            body = _root_propfind(environ)
            start_response(
                "207 Multi-Status",
                [("Content-Type", "application/xml; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            yield body
            return
        body = (_("Le lecteur réseau est à l'adresse %(url)s.") % {"url": MOUNT + "/"} + "\n").encode()
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        yield body


def _clean_address(value: str, *, quoted: bool = False) -> bool:
    """A WSGI path that is UTF-8 once re-encoded (wsgidav re-encodes PATH_INFO strictly: anything else was a
    500), or a Destination header (`quoted`) that parses as a URL (« http://[::1 » made urlparse raise), and
    neither holding a NUL or control character once decoded (the database refuses NUL)."""
    try:
        if quoted:
            urlsplit(value)
            text = unquote(value)
        else:
            text = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError, ValueError):
        return False
    return not any(ord(c) < 32 or ord(c) == 127 for c in text)


def _request_language(environ) -> str:
    """The first language of the client's Accept-Language that the intranet has, else French."""
    header = environ.get("HTTP_ACCEPT_LANGUAGE", "")[:255]
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return trans_real.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def make_app(*, manage_connections: bool = True):
    """The WSGI application serving the GED over WebDAV (Django must be set up)."""
    logging.getLogger("wsgidav").setLevel(logging.WARNING)
    app = WsgiDAVApp(dav_config())
    scope = _optional("ged.webdav.locks", "DavRequestScope")
    return DavDispatcher(scope(app) if scope is not None else app, manage_connections=manage_connections)
