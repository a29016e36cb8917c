"""B4: upload of a large file through the real ASGI server (uvicorn) against `cp` of the file to the same
filesystem; server RSS growth and bytes written per upload.

The verdict is on the path the drag-and-drop uploader uses: a resumable session of the API (create, PUT
parts of GED_UPLOAD_CHUNK_MB with Content-Range, finish), under the browser session with its CSRF token,
GED_MAX_UPLOAD_MB raised above the file. The single multipart POST of the web form is measured beside it
(printed, no verdict).

The server is the deployed worker's: uvicorn with httptools and uvloop (what uvicorn_worker.UvicornWorker's
"auto" picks with the project's dependencies). The floor, a bare ASGI app reading the same parts on the same
server, is measured under it and, beside it, under h11 + asyncio (uvicorn's fallback without them). Server CPU
seconds per upload are printed too: on a loaded machine they move less than wall-clock times.

Target (performance.md): <= 2.5x cp, RSS growth <= 32 MB. 1 GiB by default (GED_BENCH_MB).
Run: `.venv/bin/python bench/ged_upload.py` (GED_BENCH_REPS, GED_BENCH_DIR).
"""

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from _harness import setup_django, teardown

DB = "intranet_bench_ged_b4"
MB = int(os.environ.get("GED_BENCH_MB", "1024"))
REPS = int(os.environ.get("GED_BENCH_REPS", "3"))
CHUNK_MB = int(os.environ.get("GED_UPLOAD_CHUNK_MB", "32"))


def main():
    connection = setup_django(DB)
    import httpx
    from django.conf import settings
    from ged_common import SERVER_ARGS, cpu_s, io_counters, reset_peak, rss_kb, serve, session_cookies

    from ged.actions import space_create
    from ged.models import Version
    from intranet.people.models import User

    root = Path(tempfile.mkdtemp(prefix="ged-bench-", dir=os.environ.get("GED_BENCH_DIR", "/var/tmp")))
    settings.GED_STORAGE_ROOT = str(root)
    src = root / "source.bin"
    with open(src, "wb") as fh:
        block = os.urandom(1024 * 1024)
        for i in range(MB):
            fh.write(block[:-4] + i.to_bytes(4, "big"))
    owner = User.objects.create(username="proprietaire")
    space = space_create(name="Archives", slug="archives", creator=owner)
    folder_pk = space.root_id
    connection.close()
    os.environ["GED_MAX_UPLOAD_MB"] = str(MB + 10)
    os.environ["GED_UPLOAD_CHUNK_MB"] = str(CHUNK_MB)
    size = src.stat().st_size
    logging.getLogger("httpx").setLevel(logging.WARNING)
    proc, url = serve(connection.settings_dict, root)
    cookies = session_cookies(owner)
    client = httpx.Client(base_url=url, cookies=cookies, timeout=300)
    client.get("/documents/")
    csrf = client.cookies.get("csrftoken") or ""
    if not csrf:
        page = client.get(f"/documents/dossier/{folder_pk}/deposer/")
        csrf = (
            client.cookies.get("csrftoken")
            or page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        )
    counter = {"n": 0}

    def multipart():
        counter["n"] += 1
        with open(src, "rb") as fh:
            # Same bytes each time under a new name: the blob is deduplicated, every byte still goes through.
            r = client.post(
                f"/documents/dossier/{folder_pk}/deposer/",
                files={"files": (f"gros-{counter['n']}.bin", fh, "application/octet-stream")},
                headers={"Accept": "application/json", "X-CSRFToken": csrf, "Referer": url + "/"},
            )
        assert r.status_code == 201, (r.status_code, r.text[:300])

    headers = {"Accept": "application/json", "X-CSRFToken": csrf, "Referer": url + "/"}

    def app():
        """What static/js/ged-upload.js does: a session, parts at the server's offset, finish."""
        counter["n"] += 1
        r = client.post(
            "/api/v1/ged/uploads",
            json={"folder": folder_pk, "filename": f"gros-{counter['n']}.bin", "size": size},
            headers=headers,
        )
        assert r.status_code == 201, (r.status_code, r.text[:300])
        session = r.json()
        step = session["chunk_size"]
        with open(src, "rb") as fh:
            offset = 0
            while offset < size:
                part = fh.read(step)
                end = offset + len(part) - 1
                r = client.put(
                    f"/api/v1/ged/uploads/{session['id']}",
                    content=part,
                    headers={
                        **headers,
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"bytes {offset}-{end}/{size}",
                    },
                )
                assert r.status_code == 200, (r.status_code, r.text[:300])
                offset = r.json()["offset"]
        r = client.post(f"/api/v1/ged/uploads/{session['id']}/finish", headers=headers)
        assert r.status_code == 201, (r.status_code, r.text[:300])

    def base():
        dst = root / "tmp" / "copie.bin"
        shutil.copyfile(src, dst)
        dst.unlink()

    (root / "tmp").mkdir(exist_ok=True)
    load_before = os.getloadavg()
    app()
    multipart()
    base()
    rss_before = rss_kb(proc.pid)
    reset_peak(proc.pid)
    io_before = io_counters(proc.pid)
    cpu_before = cpu_s(proc.pid)
    app_s, base_s, base_cpu = [], [], 0.0
    for _ in range(REPS):
        t = time.perf_counter()
        app()
        app_s.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        base()
        base_s.append(time.perf_counter() - t)
        base_cpu += time.process_time() - c
    app_cpu = (cpu_s(proc.pid) - cpu_before) / REPS
    base_cpu /= REPS
    io_after = io_counters(proc.pid)
    peak = rss_kb(proc.pid, "VmHWM")
    floor_s, floor_cpu = _floor(src, size, SERVER_ARGS)
    h11_s, h11_cpu = _floor(src, size, ["--http", "h11", "--loop", "asyncio"])
    multipart_s = []
    for _ in range(REPS):
        t = time.perf_counter()
        multipart()
        multipart_s.append(time.perf_counter() - t)
    load_after = os.getloadavg()
    proc.terminate()
    proc.wait(timeout=10)
    from django.db import connection as conn

    versions = Version.objects.count()
    conn_vendor = conn.vendor
    conn.close()
    teardown(connection, DB)
    shutil.rmtree(root, ignore_errors=True)
    app_med, base_med = sorted(app_s)[len(app_s) // 2], sorted(base_s)[len(base_s) // 2]
    ratio = app_med / base_med
    growth = (peak - rss_before) / 1024
    wchar = (io_after["wchar"] - io_before["wchar"]) / REPS / 2**20
    wbytes = (io_after["write_bytes"] - io_before["write_bytes"]) / REPS / 2**20
    multipart_med = sorted(multipart_s)[len(multipart_s) // 2]
    floor_med = sorted(floor_s)[len(floor_s) // 2]
    h11_med = sorted(h11_s)[len(h11_s) // 2]
    ok = ratio <= 2.5 and growth <= 32
    print(
        f"B4 chunked (the uploader's path, {CHUNK_MB} MB parts, uvicorn {' '.join(SERVER_ARGS)}) "
        f"ratio={ratio:.2f} target<=2.5 "
        f"app_s={app_med:.2f} cp_s={base_med:.2f} rss_growth_MB={growth:.1f} target<=32 "
        f"written_per_upload_MB wchar={wchar:.0f} write_bytes={wbytes:.0f} "
        f"file_MB={MB} versions={versions} reps={REPS} db={conn_vendor} "
        f"load_before={load_before[0]:.1f} load_after={load_after[0]:.1f} "
        f"{'OK' if ok else 'FAIL'}"
    )
    print(
        f"B4 beside it: one multipart POST of the web form {multipart_med:.2f} s "
        f"= {multipart_med / base_med:.2f}x cp"
    )
    print(
        f"B4 floor: the same parts to a bare ASGI app on the same uvicorn {floor_med:.2f} s "
        f"= {floor_med / base_med:.2f}x cp; the GED path = {app_med / floor_med:.2f}x that floor"
    )
    print(
        f"B4 beside it: the same floor under uvicorn --http h11 --loop asyncio {h11_med:.2f} s "
        f"= {h11_med / base_med:.2f}x cp"
    )
    print(
        f"B4 CPU seconds per upload (load-independent): GED server {app_cpu:.2f}, bare floor {floor_cpu:.2f} "
        f"(h11 + asyncio {h11_cpu:.2f}), cp {base_cpu:.2f}; GED/cp {app_cpu / base_cpu:.2f}x"
    )
    raise SystemExit(0 if ok else 1)


def _floor(src, size, server_args):
    """Send the file in the uploader's parts to bench/_floor_asgi.py (reads and discards each body) on
    uvicorn with `server_args`; returns the times and the server's CPU seconds per upload."""
    import socket
    import subprocess
    import sys

    import httpx
    from ged_common import cpu_s

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "uvicorn", "_floor_asgi:app", "--port", str(port), "--log-level", "warning"]
    cmd += server_args
    if os.cpu_count() and os.cpu_count() > 1:
        cmd = ["taskset", "-c", "1", *cmd]
    proc = subprocess.Popen(cmd, cwd=str(Path(__file__).resolve().parent))
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300)
    for _ in range(100):
        try:
            client.put("/", content=b"x")
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    step = CHUNK_MB * 1024 * 1024
    times = []
    try:
        cpu_before = cpu_s(proc.pid)
        for _ in range(REPS):
            t = time.perf_counter()
            with open(src, "rb") as fh:
                offset = 0
                while offset < size:
                    part = fh.read(step)
                    r = client.put("/", content=part, headers={"Content-Type": "application/octet-stream"})
                    assert r.status_code == 200
                    offset += len(part)
            times.append(time.perf_counter() - t)
        cpu = (cpu_s(proc.pid) - cpu_before) / REPS
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return times, cpu


if __name__ == "__main__":
    main()
