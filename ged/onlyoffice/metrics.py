"""The OnlyOffice « forgotten » files (saves the Document Server could not deliver, waiting for
`manage.py onlyoffice_recover`) as a metric of /ops/metrics. Asking costs a call to the Document Server's
command service, so the answer is kept CACHE_SECONDS; when the server does not answer, the metric
`intranet_onlyoffice_command_up` says 0 and the count is left out rather than reported as zero."""

import threading
import time

from intranet.ops.metrics import Family, register_collector

from .commands import forgotten_list
from .config import enabled

CACHE_SECONDS = 60

_lock = threading.Lock()
_cache: dict = {"at": None, "count": None}


def collect() -> list[Family]:
    if not enabled():
        return []
    with _lock:
        now = time.monotonic()
        if _cache["at"] is None or now - _cache["at"] >= CACHE_SECONDS:
            try:
                _cache["count"] = len(forgotten_list())
            except Exception:  # noqa: BLE001  (any failure: the Document Server did not answer usefully)
                _cache["count"] = None
            _cache["at"] = now
        count = _cache["count"]
    families = [
        Family(
            "intranet_onlyoffice_command_up",
            "Whether the Document Server's command service answered the last getForgottenList (1) or not (0)",
            [({}, 0 if count is None else 1)],
        )
    ]
    if count is not None:
        families.append(
            Family(
                "intranet_onlyoffice_forgotten_files",
                "Saves the Document Server keeps as forgotten (manage.py onlyoffice_recover imports them).",
                [({}, count)],
            )
        )
    return families


def cache_clear() -> None:
    with _lock:
        _cache.update(at=None, count=None)


def register() -> None:
    register_collector("onlyoffice_forgotten", collect)
