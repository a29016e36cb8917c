"""`manage.py accessibility_check` against the live intranet: every default page at 1280 and 390 px passes
axe-core with no sideways scrolling, the run is recorded with weights and requests, and the statement shows
it (itself checked with axe at both widths)."""

import io
import threading

import pytest
from django.core.management import call_command

from intranet.accessibility.checker import DEFAULT_PAGES
from intranet.accessibility.models import CheckRun

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def _run_command(*args, command="accessibility_check"):
    """In its own thread: the command starts its own Playwright, which cannot nest in the session's, and
    on-commit pushes (seed_demo's notifications) cannot run inside the event loop of Playwright's thread."""
    out, outcome = io.StringIO(), {}

    def target():
        try:
            call_command(command, *args, stdout=out, stderr=io.StringIO())
        except BaseException as exc:  # noqa: BLE001  (reported to the test below)
            outcome["error"] = exc
        finally:
            from django.db import connections

            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=600)
    assert not thread.is_alive(), "accessibility_check did not finish"
    return out.getvalue(), outcome.get("error")


def test_accessibility_check_records_a_clean_run_and_the_statement_shows_it(server_url, page):
    """On the living demo, as an agent of the RH department: the fixed pages, the agent's profile and
    department, and a document, a salon and a room the agent may open."""
    _output, error = _run_command("--force", command="seed_demo")
    assert error is None, error
    output, error = _run_command("--url", server_url, "--as", "marine.petit")
    assert error is None, f"{error}\n{output}"
    run = CheckRun.objects.get()
    assert run.finished_at is not None and run.browser.startswith("Chromium") and run.axe_version
    paths = {r["path"] for r in run.results}
    assert {p.path for p in DEFAULT_PAGES} <= paths
    for expected in ("/annuaire/marine.petit/", "/documents/document/", "/discussions/", "/salles/site/"):
        assert any(p.startswith(expected) and p != expected for p in paths) or expected in paths, expected
    assert len(run.results) == 2 * len(paths)
    for result in run.results:
        assert result["status"] == 200 and not result["error"], result
        assert result["violations"] == [] and result["overflow"] is False, result
        assert result["bytes"] > 1000 and result["requests"] >= 2, result
    assert "0 violation(s) axe-core, 0 page(s) à corriger" in output

    page.goto("/accessibilite/")
    assert "Aucune violation détectée" in page.locator("#a11y-run-summary").inner_text()
    assert "non conforme" in page.locator("#a11y-compliance").inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert_accessible(page)


def test_accessibility_check_reports_a_page_with_violations(server_url, make_user):
    """A failing page makes the command fail, and the run keeps what was found."""
    make_user("paul.cassel")
    output, error = _run_command("--url", server_url, "--as", "paul.cassel", "--page", "/page-absente/")
    assert error is not None and "ne passent pas" in str(error)
    assert "/page-absente/ à 1280 px : HTTP 404" in output
    run = CheckRun.objects.get()
    assert {r["error"] for r in run.results} == {"HTTP 404"}


def test_a_page_answered_by_a_redirect_is_not_counted_as_checked(server_url, make_user):
    """A staff account's session has not presented its second factor: every page redirects to that step,
    and the run says so instead of passing the step's page off as the home page."""
    make_user("dsi", superuser=True)
    output, error = _run_command("--url", server_url, "--as", "dsi", "--page", "/", "--width", "390")
    assert error is not None
    run = CheckRun.objects.get()
    assert run.results[0]["error"].startswith("redirigée vers /compte/second-facteur/")
