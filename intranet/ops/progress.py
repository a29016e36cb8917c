"""A tiny progress reporter for long management commands (imports, synchronisations, purges, migrations).

On a terminal (the stream's `isatty()`), one line redrawn in place, at most every `min_interval` seconds:
counts, rate and, when the total is known, a bar and an estimate of the time left. Under a timer (systemd,
cron: no terminal) nothing is written while the command runs, so the journal gets no noise, and `finish()`
writes one summary line: the command's own message, the count and the duration.

    progress = Progress(stream=self.stderr, out=self.stdout, total=len(items), label="Import")
    for item in items:
        ...
        progress.advance()
    progress.finish(f"{n} fichier(s) importé(s).")

No dependency: plain ANSI "carriage return + erase line", which every terminal emulator understands.
"""

import shutil
import sys
import time
from collections.abc import Callable

BAR_WIDTH = 20
ERASE_LINE = "\r\x1b[2K"


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def number(value: float) -> str:
    """French digit grouping with a narrow no-break space: 12 345."""
    return f"{int(value):,}".replace(",", "\u202f")


def duration(seconds: float) -> str:
    """`0,4 s`, `12 s`, `3 min 05 s`, `2 h 07 min`."""
    if seconds < 10:
        return f"{seconds:.1f} s".replace(".", ",")
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def rate(count: float, seconds: float) -> str:
    per_second = count / seconds if seconds > 0 else 0.0
    if per_second >= 10:
        return f"{number(per_second)}/s"
    return f"{per_second:.1f}/s".replace(".", ",")


class Progress:
    """Counts work done; draws a one-line bar on a terminal; writes a one-line summary at the end.

    `stream` is where the bar goes (and whose `isatty()` decides the mode), `out` where the summary goes
    (a command's stdout; defaults to `stream`). `clock` is injectable for tests.
    """

    def __init__(
        self,
        *,
        stream=None,
        out=None,
        total: int | None = None,
        label: str = "",
        unit: str = "élément(s)",
        min_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.out = out if out is not None else self.stream
        self.interactive = _isatty(self.stream)
        self.total = total
        self.label = label
        self.unit = unit
        self.min_interval = min_interval
        self.clock = clock
        self.done = 0
        self.counts: dict[str, int] = {}
        self.started = clock()
        self.redraws = 0
        self._last_draw: float | None = None
        self._drawn = False
        self._finished = False

    # --- counting ------------------------------------------------------------------------------------------
    def add_total(self, n: int) -> None:
        """Grow the expected total (work discovered as it goes, e.g. one salon after another)."""
        self.total = (self.total or 0) + n

    def advance(self, n: int = 1, **counts: int) -> None:
        """`n` more items done; keyword counts (`skipped=1`) are shown beside the main count."""
        self.done += n
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value
        if self.interactive:
            now = self.clock()
            if self._last_draw is None or now - self._last_draw >= self.min_interval:
                self._draw(now)

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left at the mean rate so far, when the total is known and something is done."""
        if not self.total or not self.done:
            return None
        spent = (now if now is not None else self.clock()) - self.started
        return max(self.total - self.done, 0) * spent / self.done

    # --- output --------------------------------------------------------------------------------------------
    def line(self, now: float | None = None) -> str:
        now = now if now is not None else self.clock()
        spent = now - self.started
        parts = [self.label] if self.label else []
        if self.total:
            ratio = min(self.done / self.total, 1.0)
            filled = int(ratio * BAR_WIDTH)
            parts.append("[" + "#" * filled + "-" * (BAR_WIDTH - filled) + f"] {ratio:4.0%}")
            parts.append(f"{number(self.done)}/{number(self.total)} {self.unit}")
        else:
            parts.append(f"{number(self.done)} {self.unit}")
        parts.extend(f"{key} {number(value)}" for key, value in self.counts.items())
        parts.append(rate(self.done, spent))
        eta = self.eta(now)
        if eta is not None:
            parts.append(f"reste ~{duration(eta)}")
        return " · ".join(parts)

    def _draw(self, now: float) -> None:
        width = shutil.get_terminal_size((100, 20)).columns - 1
        _write_raw(self.stream, ERASE_LINE + self.line(now)[:width])
        self._last_draw = now
        self._drawn = True
        self.redraws += 1

    def summary(self, message: str = "") -> str:
        spent = self.elapsed
        facts = f"{number(self.done)} {self.unit} en {duration(spent)}"
        if self.done and spent > 0:
            facts += f", {rate(self.done, spent)}"
        if message:
            return f"{message.rstrip()} ({facts})"
        return f"{self.label} : {facts}" if self.label else facts

    def finish(self, message: str = "") -> str:
        """Erase the bar (terminal) and write the one-line summary to `out`; returns it. Idempotent."""
        text = self.summary(message)
        if self._finished:
            return text
        self._finished = True
        if self._drawn:
            _write_raw(self.stream, ERASE_LINE)
            self._drawn = False
        _write_line(self.out, text)
        return text

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc) -> None:
        # The bar is erased either way. After an error nothing more is written (the traceback or CommandError
        # says what happened); otherwise the command's finish() still writes its summary.
        if self._drawn and not self._finished:
            _write_raw(self.stream, ERASE_LINE)
            self._drawn = False
        if exc_type is not None:
            self._finished = True


def _write_raw(stream, text: str) -> None:
    # Django's OutputWrapper (a command's self.stderr) would end every redraw with a newline: the bar would
    # scroll one line per redraw instead of being redrawn in place.
    if hasattr(stream, "style_func"):
        stream.write(text, ending="")
    else:
        stream.write(text)
    stream.flush()


def _write_line(out, text: str) -> None:
    # Django's OutputWrapper adds the newline itself; a plain stream needs it.
    if hasattr(out, "style_func"):
        out.write(text)
    else:
        out.write(text + "\n")
        out.flush()
