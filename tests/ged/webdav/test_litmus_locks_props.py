"""litmus (Debian package, 0.13) `locks` and `props` suites against the DAV endpoint: zero failures.

They drive the database lock storage (exclusive and shared locks, refresh, If-header conditional PUTs, LOCK
on an unmapped URL, collection locks) and the dead-property store (PROPPATCH, namespaces, Unicode values,
properties following a MOVE) over real HTTP, as an agent with an app password, in a space they manage."""

import re
import shutil
import subprocess

import pytest

from ged.actions import space_create
from ged.choices import SpacePolicy
from intranet.people.app_passwords import create_app_password


@pytest.fixture(autouse=True)
def _litmus_installed():
    """Missing litmus fails, as in test_litmus.py: a skip would let these suites silently not run in CI."""
    if shutil.which("litmus") is None:
        pytest.fail("litmus introuvable : installez le paquet Debian « litmus » (scripts/system-deps.sh).")


@pytest.fixture
def litmus_target(dav_url, make_user):
    user = make_user("litmus", first_name="Lise", last_name="Litmus")
    space_create(name="Litmus", slug="litmus-space", policy=SpacePolicy.PRIVATE, creator=user)
    _password, secret = create_app_password(user, "litmus")
    return f"{dav_url}/dav/litmus-space/", user.username, secret


def _run(suite: str, target, tmp_path) -> str:
    url, username, secret = target
    result = subprocess.run(
        ["litmus", url, username, secret],
        env={"TESTS": suite, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout + result.stderr
    summary = re.search(
        r"<- summary for `" + suite + r"': of (\d+) tests run: (\d+) passed, (\d+) failed", out
    )
    assert summary, out
    assert result.returncode == 0 and summary.group(3) == "0", (
        out + (tmp_path / "debug.log").read_text(errors="replace")[-20000:]
    )
    return out


def test_litmus_locks(litmus_target, tmp_path):
    """All 41 lock tests pass: the database storage behaves as RFC 4918 class 2 requires."""
    out = _run("locks", litmus_target, tmp_path)
    assert "41 tests run: 41 passed" in out, out


def test_litmus_props(litmus_target, tmp_path):
    """All 30 property tests pass: dead properties stored by document and folder."""
    out = _run("props", litmus_target, tmp_path)
    assert "30 tests run: 30 passed" in out, out
