"""The progress reporter of long commands: a bar redrawn at most ~10 times a second on a terminal, nothing but
a one-line summary under a timer (no terminal)."""

import io

import pytest
from django.core.management import call_command

from intranet.ops.progress import ERASE_LINE, Progress, duration


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_without_terminal_only_a_summary_line_at_the_end():
    """Under a timer nothing is written while it runs; one line with the count and the duration at the end."""
    clock = FakeClock()
    stream = io.StringIO()
    progress = Progress(stream=stream, total=500, label="Import", unit="fichier(s)", clock=clock)
    assert not progress.interactive
    for _ in range(500):
        clock.now += 0.01
        progress.advance()
    assert stream.getvalue() == ""
    progress.finish("500 fichier(s) importé(s).")
    assert stream.getvalue() == "500 fichier(s) importé(s). (500 fichier(s) en 5,0 s, 100/s)\n"
    assert progress.redraws == 0


def test_on_a_terminal_the_bar_has_counts_rate_and_estimate_and_is_redrawn_at_most_ten_times_a_second():
    """A bar with counts, rate and time left; 1,000 items over 2 s redraw it about 20 times, not 1,000."""
    clock = FakeClock()
    term = Terminal()
    out = io.StringIO()
    progress = Progress(stream=term, out=out, total=1000, label="Import", unit="fichier(s)", clock=clock)
    assert progress.interactive
    for i in range(1000):
        clock.now += 0.002
        progress.advance(**({"ignorés": 1} if i % 100 == 0 else {}))
        if i == 499:
            # Half done in 1 s: 500/s, about 1 s left.
            line = progress.line()
            assert "[##########----------]" in line and "500/1\u202f000 fichier(s)" in line
            assert "ignorés 5" in line and "500/s" in line and "reste ~1,0 s" in line
    assert 15 <= progress.redraws <= 21
    assert term.getvalue().count(ERASE_LINE) == progress.redraws
    assert out.getvalue() == ""
    progress.finish("Fini.")
    assert term.getvalue().endswith(ERASE_LINE)  # the bar is gone before the summary
    assert out.getvalue() == "Fini. (1\u202f000 fichier(s) en 2,0 s, 500/s)\n"


def test_unknown_total_shows_counts_and_rate_without_estimate():
    clock = FakeClock()
    progress = Progress(stream=Terminal(), unit="entrée(s)", clock=clock)
    clock.now += 4
    progress.advance(40)
    line = progress.line()
    assert line == "40 entrée(s) · 10/s" and "reste" not in line


def test_an_error_erases_the_bar_and_writes_no_summary():
    term = Terminal()
    with pytest.raises(RuntimeError), Progress(stream=term, total=3, clock=FakeClock()) as progress:
        progress.advance()
        raise RuntimeError("boom")
    assert term.getvalue().endswith(ERASE_LINE) and "en " not in term.getvalue()


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.42, "0,4 s"), (12.4, "12 s"), (185, "3 min 05 s"), (7620, "2 h 07 min")]
)
def test_durations_read_in_french(seconds, text):
    assert duration(seconds) == text


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["ged_purge_trash", "audit_purge", "chat_purge", "ged_cleanup"])
def test_purge_commands_under_a_timer_write_one_summary_line_with_its_duration(command):
    """No terminal (call_command's StringIO): stderr stays empty, one stdout line ends with the duration."""
    out, err = io.StringIO(), io.StringIO()
    call_command(command, stdout=out, stderr=err)
    assert err.getvalue() == ""
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].endswith(")") and " en " in lines[0]
