"""`make bench`: every benchmark once, with its size and repetitions fixed here, then ONE table of every
figure, its target, and met / missed (performance.md §1-2, issue 21).

Each script's verdict is its last line that ends in OK or FAIL (`B1 ratio=1.23 target<=5 … OK`); its figures
are the `name=value` before each `target<=x` / `target>=x` on that line. A script that crashes, hangs past
BENCH_TIMEOUT seconds (default 1200), prints no verdict or cannot run (`… FAIL: cannot run: <why>`, e.g. no
PostgreSQL) is an « error » row with the reason; a script whose output ends with `NOT COUNTED` (an SQLite run,
`BENCH_ALLOW_SQLITE=1`) is « not counted ». A bench/*.py script this plan does not know is run with its
defaults and gets a row too, so nothing is left out silently.

Sizes: the benchmarks' own definitions (performance.md) where a run stays within ~5 minutes on the shared
2-core machine; the full run was planned at ~35-45 minutes (most of it: migrating each throw-away database,
the shapes' start and the 1 GiB transfers). Each row states what it ran and how long it took.

Run: `make bench`, or `.venv/bin/python bench/_table.py [--only B1,B8] [--script path/to/extra.py ...]`.
Exit status 0 only when every counted row is met.
"""

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "1200"))


@dataclass
class Entry:
    label: str
    script: str
    env: dict = field(default_factory=dict)
    args: list = field(default_factory=list)
    # What the run is, when the script fixes it itself (stated on the table's line).
    fixed: str = ""
    # False: printed beside the verdict of another row, not counted (B6 in-process: the deployment guide's
    # configuration is the shape's, bench/b6_shape.py).
    counted: bool = True


PLAN = [
    Entry("B1", "ged_listing.py", fixed="10,000 docs (and 100), 20 reps"),
    Entry("B2", "ged_permissions.py", fixed="agent in 50 groups, 3 levels, 20 reps"),
    Entry("B3", "ged_download.py", env={"GED_BENCH_MB": "256", "GED_BENCH_REPS": "5"}),
    Entry("B3a", "b3a_nginx.py", env={"B3A_MB": "1024", "B3A_REPS": "5"}, fixed="local blobs, shape"),
    Entry(
        "B3a-s3", "b3a_nginx.py", args=["--s3"], env={"B3A_MB": "1024", "B3A_REPS": "5"}, fixed="SeaweedFS"
    ),
    Entry("B3b", "b3_stream.py", env={"B3_BENCH_MB": "1024", "B3_BENCH_REPS": "5"}),  # B3 is 1 GB
    Entry(
        "B4",
        "ged_upload.py",
        env={"GED_BENCH_MB": "1024", "GED_BENCH_REPS": "3", "GED_UPLOAD_CHUNK_MB": "32"},
    ),
    Entry("B5", "free_rooms.py", fixed="200 rooms, 1 year, 50 windows, 15 reps"),
    Entry(
        "B6", "b6_shape.py", args=["--clients", "500", "--messages", "30"], fixed="shape: nginx+TLS, pubsub"
    ),
    Entry(
        "B6-inproc",
        "chat_broadcast.py",
        args=["--clients", "500", "--messages", "30", "--configs", "uvicorn:pubsub"],
        counted=False,
    ),
    Entry("B7", "ldap_sync.py", fixed="10,000 users, 300 groups, 9+15 reps"),
    Entry("B8", "ged_history.py", env={"B8_ROWS": "10000", "B8_SAVES": "1000", "B8_REPS": "5"}),
    Entry("B9", "page_render.py", fixed="30 warm + 10 cold reps"),
    Entry("B10", "dav_propfind.py", fixed="1,000 and 10,000 docs, 7 reps"),
    Entry(
        "B11",
        "board_move.py",
        args=["--clients", "200", "--moves", "30"],
        fixed="move over the board socket, uvicorn+pubsub",
    ),
    Entry("S", "search.py", fixed="20,000 items, 30 reps"),
    Entry("B12", "b12_payslips.py", env={"B12_PAGES": "500", "B12_REPS": "15"}, fixed="1 PDF, 500 agents"),
    Entry("B13", "b13_seda.py", env={"B13_DOCS": "1000", "B13_REPS": "15"}, fixed="20-200 KB each"),
]

VERDICT = re.compile(r"^\S.*\s(OK|FAIL)\s*$")
CANNOT_RUN = re.compile(r"FAIL: cannot run: (.*)$")
TARGET = re.compile(r"^target(<=|>=)([0-9.]+)$")
FIGURE = re.compile(r"^\(?([A-Za-z][\w-]*)=([0-9.]+)x?[),;]*$")


@dataclass
class Row:
    entry: Entry
    status: str = "error"  # met | missed | error | not counted
    figures: list = field(default_factory=list)  # (name, value, op, target)
    reason: str = ""
    seconds: float = 0.0
    line: str = ""


def parse(entry: Entry, lines: list[str], returncode: int | None) -> Row:
    """The row of one run from its output lines and exit status (None: killed at the timeout)."""
    row = Row(entry)
    lines = [line.rstrip() for line in lines if line.strip()]
    if returncode is None:
        row.reason = f"no answer within {TIMEOUT} s (killed)"
        return row
    if lines and lines[-1].startswith("NOT COUNTED"):
        row.status, row.reason = "not counted", lines[-1]
        row.line = next((line for line in reversed(lines) if VERDICT.match(line)), "")
        row.figures = figures(row.line)
        return row
    for line in reversed(lines):
        found = CANNOT_RUN.search(line)
        if found:
            row.reason = "cannot run: " + found[1]
            row.line = line
            return row
        if VERDICT.match(line):
            row.line = line
            break
    else:
        row.reason = f"no verdict line (exit {returncode}): " + (lines[-1][:200] if lines else "no output")
        return row
    row.figures = figures(row.line)
    verdict = row.line.split()[-1]
    if verdict == "OK" and returncode != 0:
        row.reason = f"printed OK but exited {returncode}: " + lines[-1][:200]
        return row
    row.status = "met" if verdict == "OK" else "missed"
    return row


def figures(line: str) -> list[tuple[str, str, str, str]]:
    """Each `target<=x` / `target>=x` with the nearest `name=value` before it ("sync ratio" for a bare
    `ratio` after a word)."""
    tokens = line.split()
    out = []
    for i, token in enumerate(tokens):
        target = TARGET.match(token)
        if not target:
            continue
        for j in range(i - 1, -1, -1):
            fig = FIGURE.match(tokens[j])
            if fig:
                name = fig[1]
                if name == "ratio" and j > 1 and re.fullmatch(r"[a-z][\w-]*", tokens[j - 1]):
                    name = f"{tokens[j - 1]} ratio"
                out.append((name, fig[2], target[1], target[2]))
                break
    return out


def run(entry: Entry) -> Row:
    path = entry.script if os.sep in entry.script else str(BENCH / entry.script)
    print(f"== {entry.label}: {path} ({settings_of(entry) or 'script defaults'})", flush=True)
    env = {**os.environ, **entry.env, "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, path, *entry.args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: a timeout ends the script and its servers
    )
    killed = threading.Event()

    def kill():
        killed.set()
        try:
            os.killpg(process.pid, signal.SIGTERM)
            time.sleep(10)
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(TIMEOUT, kill)
    timer.start()
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
        del lines[:-500]
    returncode = process.wait()
    timer.cancel()
    row = parse(entry, lines, None if killed.is_set() else returncode)
    row.seconds = time.monotonic() - started
    return row


def settings_of(entry: Entry) -> str:
    parts = [f"{k}={v}" for k, v in entry.env.items()]
    if entry.args:
        parts.append(" ".join(entry.args))
    if entry.fixed:
        parts.append(entry.fixed)
    return "; ".join(parts)


def table(rows: list[Row]) -> str:
    out = [
        "| benchmark | figures (target) | verdict | size and repetitions | time |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        figs = ", ".join(f"{n}={v} ({op}{t})" for n, v, op, t in row.figures) or "-"
        verdict = (
            row.status
            if row.entry.counted or row.status == "error"
            else f"{row.status} (beside, not counted)"
        )
        if row.reason:
            verdict += ": " + row.reason.replace("|", "/")
        out.append(
            f"| {row.entry.label} | {figs} | {verdict} | {settings_of(row.entry) or 'script defaults'} "
            f"| {row.seconds / 60:.1f} min |"
        )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="comma-separated labels of the plan (B1,B8,...)")
    parser.add_argument(
        "--script", action="append", default=[], help="an extra script, run with its defaults"
    )
    args = parser.parse_args()
    plan = list(PLAN)
    if args.only:
        wanted = set(args.only.split(","))
        plan = [e for e in plan if e.label in wanted]
    else:
        # Scripts the plan does not know (a new benchmark) still get a row.
        known = {e.script for e in PLAN}
        for path in sorted(BENCH.glob("[!_]*.py")):
            if path.name not in known and '__name__ == "__main__"' in path.read_text():
                plan.append(Entry(path.stem, path.name))
    plan += [Entry(Path(p).stem, str(Path(p).resolve())) for p in args.script]
    if not args.only:
        # A full run starts from the current code: migrate once into a fresh template (bench/_harness.py).
        sys.path.insert(0, str(BENCH))
        from _harness import drop_templates

        with contextlib.suppress(Exception):  # no PostgreSQL: each benchmark will say so itself
            drop_templates(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    rows = [run(entry) for entry in plan]
    minutes = (time.monotonic() - started) / 60
    print(
        f"\nBenchmarks: {len(rows)} runs in {minutes:.0f} min, "
        f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print(table(rows))
    counted = [r for r in rows if r.entry.counted]
    missed = [r.entry.label for r in counted if r.status != "met"]
    errors = [r.entry.label for r in rows if not r.entry.counted and r.status == "error"]
    if missed or errors:
        print("Not met: " + ", ".join(missed + errors))
        return 1
    print("All met.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
