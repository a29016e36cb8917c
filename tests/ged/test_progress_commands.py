"""Every long command (issue 15 part 6: imports, purges, clean-up) on a terminal draws a bar with its counts
and erases it before one summary line; under a timer (no terminal) it writes that summary line and nothing
else. ldap_sync and storage_migrate need a directory or a bucket: tests/people/ldap/test_ldap_sync.py and
tests/storage/test_storage_migrate.py run them; the command list below is checked against the code."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from ged import storage
from ged.actions import document_trash
from ged.models import Document
from intranet.audit.actions import audit_record
from intranet.ops.progress import ERASE_LINE

ROOT = Path(__file__).resolve().parents[2]
PROGRESS_COMMANDS = {
    "audit_purge",
    "tasks_reap",
    "chat_purge",
    "ged_cleanup",
    "ged_export",
    "ged_import",
    "ged_purge_trash",
    "ldap_sync",
    "storage_migrate",
    "accessibility_check",
    "import_absences",
    "ged_fixity",
    "payslips_purge",
    "seda_export",
}

LONG_WORDS = ("purge", "export", "import", "cleanup", "migrate", "ldap_sync")
RUN_HERE = ["audit_purge", "chat_purge", "ged_cleanup", "ged_purge_trash", "ged_import", "ged_export"]


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def prepared(space, upload, manager, settings, tmp_path):
    """Work for each command, so that a bar has something to count: command -> (args, options)."""
    settings.GED_TRASH_DAYS = 30
    old, _version = upload(space.root, "vieux.txt", b"ancien")
    document_trash(document=old, actor=manager)
    upload(space.root, "garde.txt", b"garder")
    Document.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=31))
    (storage.tmp_dir() / "reste.tmp").write_bytes(b"x")
    audit_record(action="auth.login", actor=manager)
    share = tmp_path / "partage"
    (share / "Courrier").mkdir(parents=True)
    for n in range(3):
        (share / "Courrier" / f"lettre-{n}.txt").write_text(f"Lettre {n}", encoding="utf-8")
    return {
        "audit_purge": ((), {}),
        "chat_purge": ((), {}),
        "ged_cleanup": ((), {"ttl_hours": 0}),
        "ged_purge_trash": ((), {}),
        "ged_import": ((str(share),), {"space": space.slug, "report": str(tmp_path / "rapport.csv")}),
        "ged_export": ((space.slug, str(tmp_path / "export")), {}),
    }


def test_every_long_command_uses_the_progress_reporter():
    """The list above is the set of commands that report progress; a new purge or import must join it."""
    using = {
        path.stem
        for path in ROOT.glob("*/**/management/commands/*.py")
        if ".venv" not in path.parts and "Progress(" in path.read_text(encoding="utf-8")
    }
    assert using == PROGRESS_COMMANDS
    long_names = {
        path.stem
        for path in ROOT.glob("*/**/management/commands/*.py")
        if ".venv" not in path.parts and any(word in path.stem for word in LONG_WORDS)
    }
    assert long_names <= PROGRESS_COMMANDS


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "timer"])
@pytest.mark.parametrize("command", RUN_HERE)
def test_a_bar_on_a_terminal_and_only_a_summary_under_a_timer(prepared, command, tty):
    args, options = prepared[command]
    out, err = io.StringIO(), (Terminal() if tty else io.StringIO())
    call_command(command, *args, stdout=out, stderr=err, **options)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, (out.getvalue(), err.getvalue())
    assert " en " in lines[0] and lines[0].endswith(")")
    if tty:
        drawn = err.getvalue()
        # The bar is gone before the summary.
        assert drawn.startswith(ERASE_LINE) and drawn.endswith(ERASE_LINE)
        assert "\n" not in drawn  # redrawn in place, never scrolled
        bars = [b for b in drawn.split(ERASE_LINE) if b]
        assert bars and all("/s" in bar for bar in bars)  # counts and a rate
        if command in {"ged_import", "ged_purge_trash", "ged_export"}:  # a known total: a bar, an estimate
            assert any("[" in bar and "%" in bar and "reste ~" in bar for bar in bars), bars
    else:
        assert err.getvalue() == ""
