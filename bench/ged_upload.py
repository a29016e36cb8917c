"""B4: upload of a large file through the real ASGI server (multipart form, GedUploadHandler hashing into the
blob store) against `cp` of the file to the same filesystem; server RSS growth and bytes written.

Target (performance.md): <= 2.5x cp, RSS growth <= 32 MB. 256 MiB by default (GED_BENCH_MB).
Run: `.venv/bin/python bench/ged_upload.py`.
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

from _harness import setup_django, teardown

DB = "intranet_bench_ged_b4"
MB = int(os.environ.get("GED_BENCH_MB", "256"))
REPS = int(os.environ.get("GED_BENCH_REPS", "5"))


def main():
    connection = setup_django(DB)
    import httpx
    from django.conf import settings
    from ged_common import io_counters, reset_peak, rss_kb, serve, session_cookies

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

    def app():
        counter["n"] += 1
        with open(src, "rb") as fh:
            # Same bytes each time under a new name: the blob is deduplicated, every byte still goes through.
            r = client.post(
                f"/documents/dossier/{folder_pk}/deposer/",
                files={"files": (f"gros-{counter['n']}.bin", fh, "application/octet-stream")},
                headers={"Accept": "application/json", "X-CSRFToken": csrf, "Referer": url + "/"},
            )
        assert r.status_code == 201, (r.status_code, r.text[:300])

    def base():
        dst = root / "tmp" / "copie.bin"
        shutil.copyfile(src, dst)
        dst.unlink()

    (root / "tmp").mkdir(exist_ok=True)
    app()
    base()
    rss_before = rss_kb(proc.pid)
    reset_peak(proc.pid)
    io_before = io_counters(proc.pid)
    app_s, base_s = [], []
    for _ in range(REPS):
        t = time.perf_counter()
        app()
        app_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        base()
        base_s.append(time.perf_counter() - t)
    io_after = io_counters(proc.pid)
    peak = rss_kb(proc.pid, "VmHWM")
    proc.terminate()
    proc.wait(timeout=10)
    from django.db import connection as conn

    versions = Version.objects.count()
    conn.close()
    teardown(connection, DB)
    shutil.rmtree(root, ignore_errors=True)
    app_med, base_med = sorted(app_s)[len(app_s) // 2], sorted(base_s)[len(base_s) // 2]
    ratio = app_med / base_med
    growth = (peak - rss_before) / 1024
    wchar = (io_after["wchar"] - io_before["wchar"]) / REPS / 2**20
    wbytes = (io_after["write_bytes"] - io_before["write_bytes"]) / REPS / 2**20
    ok = ratio <= 2.5 and growth <= 32
    print(
        f"B4 ratio={ratio:.2f} target<=2.5 app_s={app_med:.2f} "
        f"cp_s={base_med:.2f} rss_growth_MB={growth:.1f} target<=32 "
        f"written_per_upload_MB wchar={wchar:.0f} write_bytes={wbytes:.0f} "
        f"file_MB={MB} versions={versions} reps={REPS} "
        f"{'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
