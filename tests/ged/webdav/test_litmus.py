"""litmus (Debian package), the WebDAV conformance suite wsgidav's own CI runs, against the GED's endpoint."""

import os
import shutil
import subprocess

import pytest

from intranet.people.app_passwords import create_app_password

LITMUS = shutil.which("litmus")


def _litmus(url: str, user, suites: str, cwd) -> subprocess.CompletedProcess:
    if LITMUS is None:
        pytest.fail("litmus introuvable : installez le paquet Debian « litmus » (scripts/system-deps.sh).")
    _password, secret = create_app_password(user, "litmus")
    return subprocess.run(
        [LITMUS, url, user.username, secret],
        env={**os.environ, "TESTS": suites},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,  # litmus writes debug.log and child.log there
    )


@pytest.mark.parametrize("suite", ["basic", "copymove", "http"])
def test_litmus_suite_passes_for_a_space_manager(dav_url, space, manager, suite, tmp_path):
    """Every test of the suite passes (warnings allowed), as a manager of the space."""
    result = _litmus(f"{dav_url}/dav/{space.slug}/", manager, suite, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout, result.stdout
