"""Text extraction for full-text search, bounded in time and memory: the readers (`ged.extractors`) run in a
child process with a wall-clock timeout enforced here and CPU and address-space limits the child sets on
itself (`resource.setrlimit`). A hostile file (zip bomb, a PDF crafted for the fallback reader, XML that
never ends) costs at most those limits and yields "" — it never blocks the task worker for everyone."""

import contextlib
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .extractors import EXTRACTABLE, MAX_CHARS

CHILD = Path(__file__).with_name("extractors.py")


def _command(path: str, ext: str, size: int) -> list[str]:
    timeout = float(settings.GED_EXTRACT_TIMEOUT_S)
    memory = settings.GED_EXTRACT_MEMORY_MB * 1024 * 1024
    return [
        sys.executable,
        "-I",  # isolated: no environment variables, no user site, not the caller's directory
        "-S",  # no site-packages: the readers use the standard library only
        str(CHILD),
        path,
        ext,
        str(timeout),
        str(max(1, math.ceil(timeout))),
        str(memory),
        str(settings.GED_EXTRACT_MAX_MB * 1024 * 1024),
        str(size),
    ]


def extract(path: str, ext: str, size: int) -> str:
    """Plain text of a file, or "" when the format is unknown, the file too big or too costly to read."""
    if size > settings.GED_EXTRACT_MAX_MB * 1024 * 1024 or ext not in EXTRACTABLE:
        return ""
    # Its own process group, so that a timeout also ends the pdftotext the child may have started (killed
    # before the child is reaped, so the group id cannot belong to anyone else yet).
    child = subprocess.Popen(  # noqa: S603  (our interpreter and module, our temp path, no shell)
        _command(os.fspath(path), ext, size),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        stdout, _stderr = child.communicate(timeout=float(settings.GED_EXTRACT_TIMEOUT_S) + 2)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return ""
    if child.returncode != 0:
        return ""
    text = stdout.decode("utf-8", "replace").replace("\x00", "")
    return " ".join(text.split())[:MAX_CHARS]
