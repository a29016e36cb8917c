"""B3a, the production download path (performance.md): a large version downloaded through nginx, the view
answering X-Accel-Redirect, against nginx serving the same file from a plain static location, same shape,
same run, interleaved; plus the RSS growth of the Python workers over the downloads.

Target: throughput >= 0.9x the direct nginx GET; worker RSS growth <= 20 MB.
The shape is scripts/shape.py (nginx over HTTPS, two uvicorn workers, Redis, PostgreSQL, production
settings); both paths go through the same TLS server, each download into curl's /dev/null.
The file is 1 GiB (B3A_MB), 5 downloads of each (B3A_REPS).
With `--s3` the shape keeps its blobs in SeaweedFS S3 (scripts/shape.py `storage="s3"`) and the bench measures
B3a for object storage as performance.md defines it: the production path is the application's default, worker
A answering a presigned 302 that curl follows to the bucket, against a direct GET of the object (a presigned
URL the bench signs itself, no application), same run: that ratio is the verdict on the last line. The
optional nginx relay (S3_PROXY_THROUGH_NGINX: worker B's X-Accel-Redirect that nginx proxies to the bucket) is
printed beside it, against the direct GET and against nginx serving the same bytes from its static location.
Run: `.venv/bin/python bench/b3a_nginx.py [--s3]` (PostgreSQL on SHAPE_DATABASE_URL; the first start migrates
a scratch database, a minute or two).
"""

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from shape import Shape  # noqa: E402

MB = int(os.environ.get("B3A_MB", "1024"))
REPS = int(os.environ.get("B3A_REPS", "5"))
PASSWORD = "pw-bench-b3a-123456"

SEED = """
import os
from ged.actions import document_upload, space_create
from intranet.people.models import User
owner = User(username="b3a.owner", first_name="B3a", last_name="Owner")
owner.set_password({password!r})
owner.save()
space = space_create(name="Archives", slug="archives", creator=owner)
document, version = document_upload(folder=space.root, uploaded_file_or_path={src!r}, author=owner)
print("SEEDED", document.pk, version.blob_id, version.size)
"""


def rss_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as fh:
        fh.write("5")


def curl(url: str, certificate: Path, cookie: str | None, size: int, follow: bool = False) -> None:
    argv = [
        "curl",
        *(["-L"] if follow else []),
        "-s",
        "--cacert",
        str(certificate),
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{size_download}",
    ]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout.split()
    if out != ["200", str(size)]:
        raise SystemExit(f"B3a: unexpected answer {out} from {url}")


def redirect_only(url: str, certificate: Path, cookie: str) -> float:
    """Seconds of the application's part of the presigned path: the 302 alone, not followed."""
    t = time.perf_counter()
    argv = ["curl", "-s", "--cacert", str(certificate), "-o", "/dev/null", "-w", "%{http_code}"]
    out = subprocess.run([*argv, "-H", f"Cookie: {cookie}", url], capture_output=True, text=True).stdout
    if out != "302":
        raise SystemExit(f"B3a: expected a 302 from {url}, got {out}")
    return time.perf_counter() - t


def main() -> int:
    s3 = "--s3" in sys.argv[1:]
    env = {"GED_MAX_UPLOAD_MB": str(MB + 16)}
    options = {"storage": "s3", "worker_env": {1: {"S3_PROXY_THROUGH_NGINX": "true"}}} if s3 else {}
    with Shape(extra_env=env, **options) as shape:
        src = shape.workdir / "b3a-source.bin"
        with open(src, "wb") as fh:
            block = os.urandom(1024 * 1024)
            for i in range(MB):
                fh.write(block[:-4] + i.to_bytes(4, "big"))
        out = shape.manage("shell", "-c", SEED.format(password=PASSWORD, src=str(src)), timeout=1800)
        doc_pk, blob, size = re.search(r"SEEDED (\S+) (\S+) (\d+)", out).groups()
        size = int(size)
        direct_path = shape.var_dir / "static" / "b3a.bin"
        if s3:
            # The blob is in the bucket; the baseline is the same bytes in nginx's static location.
            os.replace(src, direct_path)
            direct_path.chmod(0o644)
        else:
            src.unlink(missing_ok=True)
            # The baseline: the very same file (a hard link, same inode, same disk) in a static location.
            blob_path = shape.ged_storage_root / "blobs" / blob[:2] / blob[2:4] / blob
            os.link(blob_path, direct_path)

        session = requests.Session()
        session.trust_env = False
        session.verify = str(shape.certificate)
        page = session.get(f"{shape.url}/connexion/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        login = session.post(
            f"{shape.url}/connexion/",
            data={"csrfmiddlewaretoken": token, "username": "b3a.owner", "password": PASSWORD},
            headers={"Referer": f"{shape.url}/connexion/"},
            allow_redirects=False,
            timeout=60,
        )
        assert login.status_code == 302, login.status_code
        cookie = f"sessionid={session.cookies['sessionid']}"
        path = f"/documents/document/{doc_pk}/telecharger/"
        # Local: any worker (X-Accel-Redirect). S3: worker B relays through nginx, worker A redirects.
        app_url = f"{shape.pinned_url(1)}{path}" if s3 else f"{shape.url}{path}"
        presigned_url = f"{shape.pinned_url(0)}{path}"
        direct_url = f"{shape.url}/static/b3a.bin"

        object_url = ""
        if s3:
            # The baseline of B3a on S3: a direct GET of the object, signed by the bench, no application.
            object_url = shape.seaweed.client().generate_presigned_url(
                "get_object",
                Params={"Bucket": shape.seaweed.bucket, "Key": f"ged/blobs/{blob[:2]}/{blob[2:4]}/{blob}"},
                ExpiresIn=3600,
            )

        workers = [shape.worker(i).pid for i in range(shape.n_workers)]
        curl(app_url, shape.certificate, cookie, size)  # warm-up: page cache, connections, imports
        curl(direct_url, shape.certificate, None, size)
        if s3:
            curl(presigned_url, shape.certificate, cookie, size, follow=True)
            curl(object_url, shape.certificate, None, size)
        before = {pid: rss_kb(pid, "VmRSS") for pid in workers}
        for pid in workers:
            reset_peak(pid)
        app_s, direct_s, presigned_s, object_s, redirect_s = [], [], [], [], []
        for _ in range(REPS):
            t = time.perf_counter()
            curl(app_url, shape.certificate, cookie, size)
            app_s.append(time.perf_counter() - t)
            if s3:
                t = time.perf_counter()
                curl(presigned_url, shape.certificate, cookie, size, follow=True)
                presigned_s.append(time.perf_counter() - t)
                t = time.perf_counter()
                curl(object_url, shape.certificate, None, size)
                object_s.append(time.perf_counter() - t)
                redirect_s.append(redirect_only(presigned_url, shape.certificate, cookie))
            t = time.perf_counter()
            curl(direct_url, shape.certificate, None, size)
            direct_s.append(time.perf_counter() - t)
        growth_mb = max((rss_kb(pid, "VmHWM") - before[pid]) / 1024 for pid in workers)

    mb = size / 2**20
    app_mbs, direct_mbs = mb / statistics.median(app_s), mb / statistics.median(direct_s)
    if not s3:
        ratio = app_mbs / direct_mbs
        ok = ratio >= 0.9 and growth_mb <= 20
        print(f"X-Accel-Redirect through nginx: {app_mbs:.0f} MB/s (median of {REPS}), runs {app_s}")
        print(f"nginx static location, same file: {direct_mbs:.0f} MB/s (median of {REPS}), runs {direct_s}")
        print(
            f"B3a throughput_ratio={ratio:.2f} target>=0.9 xaccel_MBps={app_mbs:.0f} "
            f"direct_MBps={direct_mbs:.0f} worker_rss_growth_MB={growth_mb:.1f} target<=20 "
            f"file_MB={mb:.0f} reps={REPS} {'OK' if ok else 'FAIL'}"
        )
        return 0 if ok else 1
    presigned_mbs, object_mbs = mb / statistics.median(presigned_s), mb / statistics.median(object_s)
    ratio = presigned_mbs / object_mbs
    ok = ratio >= 0.9 and growth_mb <= 20
    print(f"S3 presigned 302 (deployed default), followed: {presigned_mbs:.0f} MB/s, runs {presigned_s}")
    print(f"direct GET of the object (baseline): {object_mbs:.0f} MB/s, runs {object_s}")
    print(f"the application's 302 alone (through nginx): median {statistics.median(redirect_s):.3f} s")
    print(
        f"S3 relayed by nginx (option): {app_mbs:.0f} MB/s = {app_mbs / object_mbs:.2f}x the direct GET, "
        f"{app_mbs / direct_mbs:.2f}x nginx static ({direct_mbs:.0f} MB/s), runs {app_s} / {direct_s}"
    )
    print(
        f"B3a-s3 throughput_ratio={ratio:.2f} target>=0.9 presigned_MBps={presigned_mbs:.0f} "
        f"object_MBps={object_mbs:.0f} relay_MBps={app_mbs:.0f} relay_ratio={app_mbs / object_mbs:.2f} "
        f"relay_vs_static={app_mbs / direct_mbs:.2f} worker_rss_growth_MB={growth_mb:.1f} target<=20 "
        f"file_MB={mb:.0f} reps={REPS} {'OK' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
