"""B3: download of a large version through the real ASGI server (uvicorn, async streaming) against `cat` of
the same file read through a pipe into the same sink (both warm cache), plus the server's RSS growth.

Target (performance.md): throughput >= 0.8x cat, RSS growth <= 20 MB. The file is 256 MiB by default
(GED_BENCH_MB; 1 GiB takes too long on the shared 2-core machine).
Run: `.venv/bin/python bench/ged_download.py`.
"""

import os
import subprocess
import tempfile
import time
from pathlib import Path

from _harness import setup_django, teardown

DB = "intranet_bench_ged_b3"
MB = int(os.environ.get("GED_BENCH_MB", "256"))
REPS = int(os.environ.get("GED_BENCH_REPS", "5"))


def main():
    connection = setup_django(DB)
    from django.conf import settings
    from ged_common import reset_peak, rss_kb, serve, session_cookies

    from ged.actions import document_upload, space_create
    from ged.storage import local_path
    from intranet.people.models import User

    root = Path(tempfile.mkdtemp(prefix="ged-bench-", dir=os.environ.get("GED_BENCH_DIR", "/var/tmp")))
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
    connection.close()
    proc, url = serve(connection.settings_dict, root)
    cookies = session_cookies(owner)
    size = version.size

    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    target = f"{url}/documents/document/{doc.pk}/telecharger/"

    def app():
        # curl into /dev/null: the client costs as little as cat's sink, so the server is what is measured.
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
                target,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert out == ["200", str(size)], out

    def base():
        with open(os.devnull, "wb") as sink:
            subprocess.run(["cat", str(blob)], stdout=sink, check=True)

    app()
    base()
    rss_before = rss_kb(proc.pid)
    reset_peak(proc.pid)
    app_s, base_s = [], []
    for _ in range(REPS):
        t = time.perf_counter()
        app()
        app_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        base()
        base_s.append(time.perf_counter() - t)
    peak = rss_kb(proc.pid, "VmHWM")
    proc.terminate()
    proc.wait(timeout=10)
    teardown(connection, DB)
    for p in root.rglob("*"):
        if p.is_file():
            p.unlink()
    app_med, base_med = sorted(app_s)[len(app_s) // 2], sorted(base_s)[len(base_s) // 2]
    app_mbs, base_mbs = MB / app_med, MB / base_med
    growth = (peak - rss_before) / 1024
    ratio = app_mbs / base_mbs
    ok = ratio >= 0.8 and growth <= 20
    print(
        f"B3 throughput_ratio={ratio:.2f} target>=0.8 app_MBps={app_mbs:.0f} "
        f"cat_MBps={base_mbs:.0f} rss_growth_MB={growth:.1f} "
        f"target<=20 file_MB={MB} reps={REPS} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
