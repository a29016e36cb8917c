"""The project's own accessibility and footprint checks, recorded as evidence for the statement.

Each page is opened in a fresh browser context (cold cache) at each width, as the given agent: axe-core's
violations, whether the page scrolls sideways, and what loading it cost (bytes received, requests). Debian's
Chromium through Playwright, the same engine as the browser tests; nothing is sent outside `base_url`."""

import os
import shutil
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CheckRun


@dataclass(frozen=True)
class CheckedPage:
    path: str
    label: str
    anonymous: bool = False


# What an agent uses every day, and the statement itself. The login page is checked signed out. Detail pages
# (a document, a salon, a room, the agent's profile) come from the apps: `pages.sample_pages(user)`.
DEFAULT_PAGES = (
    CheckedPage("/connexion/", _("Connexion"), anonymous=True),
    CheckedPage("/", _("Accueil")),
    CheckedPage("/annuaire/", _("Annuaire")),
    CheckedPage("/annuaire/services/", _("Services")),
    CheckedPage("/annuaire/moi/modifier/", _("Modifier mon profil")),
    CheckedPage("/kotje/", _("Kotje : guides et outils")),
    CheckedPage("/documents/", _("Documents")),
    CheckedPage("/salles/", _("Salles")),
    CheckedPage("/salles/trouver/", _("Trouver une salle")),
    CheckedPage("/salles/mes-reservations/", _("Mes réservations")),
    CheckedPage("/salles/agenda/", _("Agendas des salles")),
    CheckedPage("/discussions/", _("Discussions")),
    CheckedPage("/recherche/?q=accueil", _("Recherche")),
    CheckedPage("/notifications/", _("Notifications")),
    CheckedPage("/compte/notifications/", _("Mes notifications par courriel")),
    CheckedPage("/compte/sessions/", _("Mes appareils et sessions")),
    CheckedPage("/compte/lecteur-reseau/", _("Connecter un lecteur réseau")),
    CheckedPage("/compte/second-facteur/", _("Second facteur")),
    CheckedPage("/accessibilite/", _("Déclaration d'accessibilité")),
)


def pages_for(user) -> list[CheckedPage]:
    """The fixed pages, then the detail pages the apps pick for this agent."""
    from django.urls import reverse

    from .pages import sample_pages

    own = [CheckedPage(reverse("directory:profile", args=[user.username]), _("Mon profil"))]
    department = getattr(user, "department", None)
    if department is not None:
        own.append(CheckedPage(reverse("directory:department", args=[department.slug]), _("Mon service")))
    return [*DEFAULT_PAGES, *own, *(CheckedPage(path, label) for path, label in sample_pages(user))]


DEFAULT_WIDTHS = (1280, 390)
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-quic"]


class CheckerUnavailable(Exception):
    """No browser to run the checks with (the message says what to install)."""


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise CheckerUnavailable(
            str(_("Chromium est introuvable (%(path)s) : installez-le avec scripts/system-deps.sh."))
            % {"path": path}
        )
    return path


def _session_cookie(user) -> tuple[str, str, object]:
    """A server-side session for `user`, as a login would make (deleted after the run)."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return settings.SESSION_COOKIE_NAME, session.session_key, session


def run_checks(*, base_url: str, user, pages=None, widths=DEFAULT_WIDTHS, on_page=None) -> CheckRun:
    """Check every page (default: `pages_for(user)`) at every width and record one CheckRun.
    `on_page(result)` is called after each."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    base_url = base_url.rstrip("/")
    executable = chromium_path()
    pages = pages_for(user) if pages is None else pages
    cookie_name, cookie_value, session = _session_cookie(user)
    # Recorded once every page is checked: a run cut short (no browser, Ctrl+C) leaves nothing behind.
    run = CheckRun(started_at=timezone.now(), base_url=base_url, browser="", axe_version="")
    results = []
    axe = Axe()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
            run.browser = f"Chromium {browser.version}"
            try:
                for checked in pages:
                    for width in widths:
                        result = _check_one(browser, axe, base_url, checked, width, cookie_name, cookie_value)
                        if result.get("axe_version"):
                            run.axe_version = result.pop("axe_version")
                        results.append(result)
                        if on_page is not None:
                            on_page(result)
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise CheckerUnavailable(str(exc).splitlines()[0]) from exc
    finally:
        session.delete()
        # Playwright's greenlet may have opened connections of its own.
        from django.db import connections

        connections.close_all()
    run.results = results
    run.finished_at = timezone.now()
    run.save()
    return run


def _check_one(browser, axe, base_url, checked, width, cookie_name, cookie_value) -> dict:
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": 900}, base_url=base_url, bypass_csp=False
    )
    if not checked.anonymous:
        context.add_cookies([{"name": cookie_name, "value": cookie_value, "url": base_url}])
    received = {"bytes": 0, "requests": 0}
    origin = base_url

    def guard(route):
        if route.request.url.startswith((origin, "data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    def finished(request):
        received["requests"] += 1
        try:
            sizes = request.sizes()
            received["bytes"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        except PlaywrightError:
            pass

    context.route("**/*", guard)
    page = context.new_page()
    page.on("requestfinished", finished)
    result = {"path": checked.path, "label": str(checked.label), "width": width}
    try:
        response = page.goto(checked.path, wait_until="networkidle")
        result["status"] = response.status if response is not None else 0
        report = axe.run(page).response
        result["axe_version"] = report.get("testEngine", {}).get("version", "")
        result["violations"] = [
            {
                "id": v["id"],
                "impact": v.get("impact") or "",
                "help": v.get("help", ""),
                "nodes": len(v["nodes"]),
            }
            for v in report["violations"]
        ]
        result["overflow"] = bool(
            page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        )
        result["error"] = "" if result["status"] == 200 else f"HTTP {result['status']}"
        landed = urlsplit(page.url)
        wanted = urlsplit(base_url + checked.path)
        if not result["error"] and (landed.path, landed.query) != (wanted.path, wanted.query):
            # A login or second-factor step answered instead: its page was checked, not this one.
            result["error"] = f"redirigée vers {landed.path}"
    except PlaywrightError as exc:
        result.update(violations=[], overflow=False, error=str(exc).splitlines()[0][:200])
    finally:
        context.close()
    result["bytes"] = received["bytes"]
    result["requests"] = received["requests"]
    return result
