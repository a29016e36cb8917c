"""`make bench`'s table (bench/_table.py) and the harness's refusal to measure without PostgreSQL: a benchmark
that fails, crashes or cannot run is a row that says so, never a silent pass."""

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
spec = importlib.util.spec_from_file_location("bench_table", BENCH / "_table.py")
bench_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_table)


def _row(lines, returncode=0, counted=True):
    entry = bench_table.Entry("Bx", "x.py", counted=counted)
    return bench_table.parse(entry, lines, returncode)


def test_a_met_verdict_gives_its_figures_and_targets():
    """The verdict is the last line ending in OK/FAIL; each target takes the figure just before it."""
    row = _row(
        [
            "B7 sync ratio=2.10 target<=3 resync ratio=1.20 target<=1.5 writes=0 queries=12 OK",
            "B7 beside: something printed after the verdict",
        ]
    )
    assert row.status == "met"
    assert row.figures == [("sync ratio", "2.10", "<=", "3"), ("resync ratio", "1.20", "<=", "1.5")]


def test_a_fail_verdict_is_missed():
    row = _row(["B8 bulk_ratio=1.10 target<=2 single_save_ratio=1.70 target<=1.5 FAIL"], returncode=1)
    assert row.status == "missed"
    assert row.figures[1] == ("single_save_ratio", "1.70", "<=", "1.5")


@pytest.mark.parametrize(
    ("lines", "returncode", "reason"),
    [
        (["Traceback (most recent call last):", "RuntimeError: boom"], 1, "RuntimeError: boom"),
        (["x.py FAIL: cannot run: PostgreSQL not reachable at 127.0.0.1:5432"], 2, "cannot run: PostgreSQL"),
        (["B1 ratio=1.0 target<=5 OK", "Traceback (most recent call last):", "OSError: late"], 1, "exited 1"),
        ([], None, "killed"),
    ],
)
def test_a_crash_a_missing_server_or_a_hang_is_an_error(lines, returncode, reason):
    row = _row(lines, returncode)
    assert row.status == "error"
    assert reason in row.reason


def test_an_sqlite_run_is_not_counted():
    row = _row(
        ["B1 ratio=1.0 target<=5 db=sqlite OK", "NOT COUNTED: measured on SQLite (BENCH_ALLOW_SQLITE=1)"]
    )
    assert row.status == "not counted"
    assert row.figures == [("ratio", "1.0", "<=", "5")]


def test_the_table_says_missed_and_error_and_fails(tmp_path, capsys, monkeypatch):
    """A run of a met, a missed and a crashing script: one table, exit status 1, each row with its verdict."""
    scripts = {
        "ok.py": 'print("B98 throughput_ratio=0.95 target>=0.9 OK")',
        "slow.py": 'print("B99 ratio=3.4 target<=3 FAIL"); raise SystemExit(1)',
        "crash.py": 'raise RuntimeError("the server died")',
    }
    for name, body in scripts.items():
        (tmp_path / name).write_text(body)
    argv = ["_table.py", "--only", "none", *(f"--script={tmp_path / n}" for n in scripts)]
    monkeypatch.setattr(sys, "argv", argv)
    assert bench_table.main() == 1
    out = capsys.readouterr().out
    table = out[out.index("| benchmark |") :]
    assert "| ok | throughput_ratio=0.95 (>=0.9) | met |" in table
    assert "| slow | ratio=3.4 (<=3) | missed |" in table
    assert "| crash | - | error: no verdict line (exit 1): RuntimeError: the server died |" in table
    assert "Not met: slow, crash" in out


def test_the_harness_refuses_to_measure_without_postgresql(tmp_path):
    """No PostgreSQL: the benchmark stops with the reason (exit 2) instead of measuring SQLite silently."""
    script = tmp_path / "b.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(BENCH)!r})
            from _harness import setup_django
            setup_django("intranet_bench_refused")
            print("B0 ratio=1.0 target<=2 OK")
            """
        )
    )
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:9/none"}
    env.pop("BENCH_ALLOW_SQLITE", None)
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, env=env, timeout=60)  # noqa: S603
    assert done.returncode == 2
    assert done.stdout.strip().splitlines()[-1].startswith("b.py FAIL: cannot run: PostgreSQL not reachable")
