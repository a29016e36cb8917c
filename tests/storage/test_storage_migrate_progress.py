"""`storage_migrate` on a terminal: a bar with counts, erased before the one summary line; under a timer
(tests/storage/test_storage_migrate.py) only that line."""

import io

from django.core.management import call_command

from intranet.ops.progress import ERASE_LINE
from tests.seaweed import use_s3

from .test_storage_migrate import local_store  # noqa: F401  (pytest fixture)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_storage_migrate_draws_a_bar_on_a_terminal(local_store, settings, seaweed):  # noqa: F811
    use_s3(settings, seaweed)
    out, err = io.StringIO(), Terminal()
    call_command("storage_migrate", stdout=out, stderr=err)
    drawn = err.getvalue()
    assert drawn.startswith(ERASE_LINE) and drawn.endswith(ERASE_LINE) and "\n" not in drawn
    bars = [b for b in drawn.split(ERASE_LINE) if b]
    assert bars and all("/s" in bar for bar in bars)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and " en " in lines[0], out.getvalue()
