"""Browser harness: the real ASGI application (HTTP + websockets) served by uvicorn in a thread, the
configured channel layer (Redis pub/sub in CI), Debian Chromium driven by Playwright, axe-core checks, no
request leaving the machine."""

import os
import shutil
import socket
import threading
import time

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def channel_layer_settings():
    """The configured layer (Redis pub/sub when REDIS_URL is set, as in production)."""
    from django.conf import settings

    return settings.CHANNEL_LAYERS


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, channel_layer_settings):
    """Serve intranet.asgi.application on a free port for the whole session."""
    import uvicorn
    from channels.layers import channel_layers
    from django.conf import settings

    settings.CHANNEL_LAYERS = channel_layer_settings
    channel_layers.backends.clear()
    from intranet.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="websockets"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    with django_db_blocker.unblock():
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=10)
        _close_server_connections()


def _close_server_connections():
    """The server's worker threads may keep a connection; PostgreSQL refuses to drop a database in use."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def server_url(asgi_server, transactional_db):
    """The server URL, with a committed (transactional) database the server thread can see.

    Transactional tests empty every table when they end, the home page created by migrations included:
    put it back, as a fresh installation has it.
    """
    from intranet.news.actions import home_page_ensure

    home_page_ensure()
    return asgi_server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium introuvable ({CHROMIUM}) : lancez scripts/system-deps.sh en root.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(locale="fr-FR", base_url=server_url)
    external = []

    def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            external.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.external_requests = external
    yield page
    context.close()
    # Tests ran in Playwright's greenlet, whose context has its own database connections: close them, or
    # PostgreSQL refuses to drop the test database at the end of the session.
    from django.db import connections

    connections.close_all()
    assert not external, f"requests tried to leave the machine: {external}"


def assert_accessible(page):
    """axe-core on the current page: zero violations, whatever their impact."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    assert not violations, results.generate_report()


PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scroll(page, width: int = PHONE["width"]):
    """The current page is no wider than the phone's viewport. Measured once the page has loaded: after a
    click, the new page's heading can be found before its stylesheet has applied, and a layout read by a
    script then ignores the pending sheet (an unwrapped long name measured 575 px once in CI); what an agent
    sees is rendered after the sheet."""
    page.wait_for_load_state("load")
    measured = page.evaluate("document.documentElement.scrollWidth")
    assert measured <= width, f"{page.url} is {measured} px wide at {width} px: it scrolls sideways"


def check_phone_page(page, path, heading):
    """Open `path` (the viewport already at PHONE): its heading shows, nothing scrolls sideways, axe finds
    zero violations."""
    from playwright.sync_api import expect

    page.goto(path)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)


@pytest.fixture
def login(page):
    """Log in through the login page; staff and superusers then type their authenticator app's code at the
    verification step (a TOTP device with a fixed key, created if they have none: tests/twofactor/helpers.py),
    as every staff session must (docs/sso.md « Second facteur »)."""

    def do_login(username, password="pw-test-123456"):
        from django.contrib.auth import get_user_model

        from tests.twofactor.helpers import forget_last_use, is_staff, totp_code, totp_device

        user = get_user_model().objects.filter(username=username).first()
        device = totp_device(user) if user is not None and is_staff(user) else None
        page.goto("/connexion/")
        page.get_by_label("Identifiant").fill(username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        if device is not None and "/compte/second-facteur/verification/" in page.url:
            forget_last_use(device)  # a second login within the same 30 s reuses the code
            page.get_by_label("Code").fill(totp_code(device))
            page.get_by_role("button", name="Vérifier").click()
            page.wait_for_load_state()

    return do_login
