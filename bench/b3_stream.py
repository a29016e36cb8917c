"""B3b: the application's own download stream (ASGI, local blob store, no X-Accel-Redirect) against a bare
ASGI app streaming the same file in the same chunk size (bench/_floor_stream.py), both under the same uvicorn
pinned to the same core, fetched by the same client (curl into /dev/null), alternating, in the same run.

Target (performance.md B3b): throughput >= 0.7x the bare streamer; application worker RSS growth <= 20 MB.
The file is 256 MiB by default (B3_BENCH_MB; B3 names 1 GB, which takes minutes on the shared machine).
Run: `.venv/bin/python bench/b3_stream.py` (B3_BENCH_REPS). B3a (through nginx) is bench's shape test.

Same conditions for both: the source copy is deleted and every dirty page written back (os.sync) before the
servers start; each server reads the blob once in the warm-up, so both read it from the page cache; the
pairs alternate A B / B A. Each repetition prints both times, both servers' CPU seconds and minor page faults
(/proc/PID/stat): on the shared machine the wall-clock times swing 0.5-2.5 s for the same transfer, the CPU
per GiB much less, so the last line gives both.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import setup_django, teardown

DB = "intranet_bench_b3b"
MB = int(os.environ.get("B3_BENCH_MB", "256"))
REPS = int(os.environ.get("B3_BENCH_REPS", "5"))
BENCH_DIR = Path(__file__).resolve().parent


def _uvicorn(app: str, env: dict):
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning"]
    cmd += ["--lifespan", "off", "--no-access-log"]
    if os.cpu_count() and os.cpu_count() > 1:
        cmd = ["taskset", "-c", "1", *cmd]
    proc = subprocess.Popen(cmd, env=env, cwd=str(BENCH_DIR.parent))
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return proc, url


def _curl(url: str, size: int, cookie: str = "") -> float:
    started = time.perf_counter()
    out = subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    elapsed = time.perf_counter() - started
    assert out == ["200", str(size)], out
    return elapsed


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/PID/stat utime + stime)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _meminfo(field):
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    connection = setup_django(DB)
    from django.conf import settings
    from ged_common import reset_peak, rss_kb, session_cookies

    from ged.actions import document_upload, space_create
    from ged.storage import local_path
    from intranet.people.models import User

    root = Path(tempfile.mkdtemp(prefix="b3b-", dir=os.environ.get("GED_BENCH_DIR", "/var/tmp")))
    settings.GED_STORAGE_ROOT = str(root)
    settings.GED_MAX_UPLOAD_MB = MB + 10
    src = root / "gros.bin"
    with open(src, "wb") as fh:
        block = os.urandom(1024 * 1024)
        for i in range(MB):
            fh.write(block[:-4] + i.to_bytes(4, "big"))
    owner = User.objects.create(username="proprietaire")
    space = space_create(name="Archives", slug="archives", creator=owner)
    doc, version = document_upload(folder=space.root, uploaded_file_or_path=str(src), author=owner)
    blob = local_path(version.blob_id)
    # Same conditions for both servers: the source copy gone and every dirty page written back before any
    # timing (2 GiB of fresh writes at 1 GiB would otherwise be flushed under the first repetitions), then
    # the blob read once by each server in the warm-up, so both read it from the page cache.
    src.unlink()
    os.sync()
    dirty_kb = _meminfo("Dirty")
    connection.close()
    db = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="intranet.settings.test", GED_STORAGE_ROOT=str(root))
    env.pop("S3_BUCKET", None)
    env["GED_ACCEL_REDIRECT_PREFIX"] = ""
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    app_proc, app_url = _uvicorn("intranet.asgi:application", env)
    floor_env = dict(env, B3_FILE=str(blob), PYTHONPATH=str(BENCH_DIR))
    floor_proc, floor_url = _uvicorn("_floor_stream:app", floor_env)
    size = version.size
    cookie = "; ".join(f"{k}={v}" for k, v in session_cookies(owner).items())
    target = f"{app_url}/documents/document/{doc.pk}/telecharger/"
    try:
        _curl(target, size, cookie)  # warm: caches, first request's imports
        _curl(floor_url + "/", size)
        rss_before = rss_kb(app_proc.pid)
        reset_peak(app_proc.pid)
        app_s, floor_s, app_cpu, floor_cpu = [], [], [], []

        faults = {app_proc.pid: [], floor_proc.pid: []}

        def timed(proc, url, cookie_header, times, cpus):
            cpu, minflt = _cpu_s(proc.pid), int(_stat(proc.pid)[7])
            times.append(_curl(url, size, cookie_header))
            cpus.append(_cpu_s(proc.pid) - cpu)
            faults[proc.pid].append(int(_stat(proc.pid)[7]) - minflt)

        for i in range(REPS):
            # A B, then B A: whichever runs first in a pair is not always the same one.
            pair = [
                (app_proc, target, cookie, app_s, app_cpu),
                (floor_proc, floor_url + "/", "", floor_s, floor_cpu),
            ]
            for args in pair if i % 2 == 0 else reversed(pair):
                timed(*args)
            print(
                f"rep {i}: app {app_s[-1]:.2f}s ({app_cpu[-1]:.2f}s CPU) bare {floor_s[-1]:.2f}s "
                f"({floor_cpu[-1]:.2f}s CPU) minor faults app {faults[app_proc.pid][-1]} "
                f"bare {faults[floor_proc.pid][-1]} load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        peak = rss_kb(app_proc.pid, "VmHWM")
    finally:
        for proc in (app_proc, floor_proc):
            proc.terminate()
            proc.wait(timeout=10)
        teardown(connection, DB)
        for p in root.rglob("*"):
            if p.is_file():
                p.unlink()
    app_med, floor_med = statistics.median(app_s), statistics.median(floor_s)
    pairs = sorted(f / a for a, f in zip(app_s, floor_s, strict=True))
    cpu_ratio = statistics.median(floor_cpu) / statistics.median(app_cpu)
    app_gib, floor_gib = (statistics.median(c) * 1024 / MB for c in (app_cpu, floor_cpu))
    app_mbs, floor_mbs = MB / app_med, MB / floor_med
    growth = (peak - rss_before) / 1024
    ratio = app_mbs / floor_mbs
    ok = ratio >= 0.7 and growth <= 20
    print(
        f"B3b throughput_ratio={ratio:.2f} target>=0.7 app_MBps={app_mbs:.0f} bare_asgi_MBps={floor_mbs:.0f} "
        f"pair_ratios={pairs[0]:.2f}..{pairs[-1]:.2f} cpu_s_per_GiB app={app_gib:.2f} bare={floor_gib:.2f} "
        f"(bare/app {cpu_ratio:.2f}) "
        f"rss_growth_MB={growth:.1f} target<=20 chunk_KB={settings.GED_DOWNLOAD_CHUNK_KB} file_MB={MB} "
        f"reps={REPS} dirty_kB_at_start={dirty_kb} load={os.getloadavg()[0]:.1f} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
