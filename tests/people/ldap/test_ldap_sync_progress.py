"""`ldap_sync` on a terminal: a bar with counts, erased before the one summary line; under a timer
(tests/people/ldap/test_ldap_sync.py) only that line."""

import io

import pytest
from django.core.management import call_command

from intranet.ops.progress import ERASE_LINE

pytestmark = pytest.mark.django_db(transaction=True)


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "timer"])
def test_ldap_sync_bar_on_a_terminal_summary_only_under_a_timer(directory, tty):
    out, err = io.StringIO(), (Terminal() if tty else io.StringIO())
    call_command("ldap_sync", stdout=out, stderr=err)
    # The summary ends the output (after the count of the directory's warnings, when it has some).
    summary = out.getvalue().splitlines()[-1]
    assert summary.startswith("Synchronisation LDAP") and " en " in summary and summary.endswith("/s)")
    if tty:
        drawn = err.getvalue()
        assert drawn.startswith(ERASE_LINE) and drawn.endswith(ERASE_LINE) and "\n" not in drawn
        assert all("entrée(s)" in bar for bar in drawn.split(ERASE_LINE) if bar)
    else:
        assert err.getvalue() == ""
