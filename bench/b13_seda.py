"""B13: a SEDA 2.2 transfer package of `B13_DOCS` documents (default 1,000; sizes 20-200 KB, fixed seed),
against `zip -0` of the same blob files, same disk, same run, interleaved (performance.md §1-2).

- app: `document_items` (the 2 queries) then `stream_transfer` (manifest, each file stored and checked
  against its SHA-256 while streamed) written to a file beside the blobs;
- baseline: the `zip` binary storing (`-0`) the same blob files into a file in the same directory.
Every repetition checks its output (entries, size); once, the app's files are compared with the baseline's
byte for byte (by SHA-256). RSS growth of the app (this process: VmHWM after the export, reset before it
through /proc/self/clear_refs, minus VmRSS before) is the largest over the repetitions.

Target (performance.md): <= 2x, RSS growth <= 64 MB. Run: `.venv/bin/python bench/b13_seda.py`.
"""

import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from _harness import fail_cannot_run, interleaved, setup_django, summary, teardown

DB = "intranet_bench_seda_b13"
DOCS = int(os.environ.get("B13_DOCS", "1000"))
REPS = int(os.environ.get("B13_REPS", "15"))
SEED = 13


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def build(count: int, author):
    """`count` documents in 10 folders of two levels, each with its own blob (random bytes, 20-200 KB)."""
    from ged import storage
    from ged.actions import folder_create, space_create
    from ged.models import Blob, Document, Version

    rng = random.Random(SEED)
    space = space_create(name="Archives", slug="archives-b13", creator=author)
    folders = []
    for i in range(5):
        parent = folder_create(parent=space.root, name=f"Service {i}", actor=author)
        folders += [parent, folder_create(parent=parent, name=f"Année {2020 + i}", actor=author)]
    blobs = []
    for _ in range(count):
        data = rng.randbytes(rng.randint(20_000, 200_000))
        sha = hashlib.sha256(data).hexdigest()
        with storage.new_temp_file() as fh:
            fh.write(data)
        storage.blob_put(sha, fh.name)
        blobs.append(Blob(sha256=sha, size=len(data)))
    Blob.objects.bulk_create(blobs, batch_size=1000)
    docs = Document.objects.bulk_create(
        [
            Document(title=f"Pièce {i:05}", folder=folders[i % len(folders)], space=space, created_by=author)
            for i in range(count)
        ],
        batch_size=1000,
    )
    versions = Version.objects.bulk_create(
        [
            Version(
                document=d,
                number=1,
                blob=b,
                size=b.size,
                mime_type="application/pdf",
                original_name=f"piece-{i:05}.pdf",
                author=author,
            )
            for i, (d, b) in enumerate(zip(docs, blobs, strict=True))
        ],
        batch_size=1000,
    )
    for d, v in zip(docs, versions, strict=True):
        d.current_version = v
    Document.objects.bulk_update(docs, ["current_version"], batch_size=1000)
    return [d.pk for d in docs], blobs


def main():
    if shutil.which("zip") is None:
        fail_cannot_run("the `zip` binary is missing (scripts/system-deps.sh installs it)")
    work = Path(tempfile.mkdtemp(prefix="b13-", dir=os.environ.get("B13_DIR") or None))
    os.environ["GED_STORAGE_ROOT"] = str(work / "ged")
    connection = setup_django(DB)
    from django.conf import settings
    from django.test.utils import CaptureQueriesContext

    from ged import storage
    from ged.retention.seda import document_items, stream_transfer
    from intranet.people.models import User

    settings.GED_STORAGE_ROOT = str(work / "ged")
    settings.GED_STORAGE_ALIAS = ""
    author = User.objects.create(username="archiviste")
    ids, blobs = build(DOCS, author)
    total = sum(b.size for b in blobs)
    paths = "\n".join(str(storage.local_path(b.sha256)) for b in blobs) + "\n"
    app_out, base_out = work / "app.zip", work / "base.zip"
    can_reset = reset_peak()
    growth_kb = []
    queries = []

    def rule_for(_doc):
        return ("BENCH-1", None, "Keep")

    def app():
        app_out.unlink(missing_ok=True)
        before = status_kb("VmRSS")
        reset_peak()
        with CaptureQueriesContext(connection) as ctx:
            items = document_items(ids, rule_for)
        queries.append(len(ctx.captured_queries))
        with open(app_out, "wb") as out:
            for chunk in stream_transfer(
                items, message_id="B13", archival_agency="AD59", transferring_agency="CCFI"
            ):
                out.write(chunk)
        growth_kb.append(status_kb("VmHWM") - before)
        assert app_out.stat().st_size > total, "every file is in the package"

    def base():
        base_out.unlink(missing_ok=True)
        subprocess.run(  # noqa: S603
            ["zip", "-0", "-q", "-j", str(base_out), "-@"],  # noqa: S607
            input=paths.encode(),
            check=True,
        )
        assert base_out.stat().st_size > total, "every file is in the baseline zip"

    result = summary(*interleaved(app, base, reps=REPS))

    # Same bytes on both sides: every blob's content, once, by SHA-256.
    with zipfile.ZipFile(app_out) as a, zipfile.ZipFile(base_out) as b:
        assert len(a.namelist()) == DOCS + 1 and len(b.namelist()) == DOCS
        app_hashes = sorted(
            hashlib.sha256(a.read(n)).hexdigest() for n in a.namelist() if n != "manifest.xml"
        )
        base_hashes = sorted(hashlib.sha256(b.read(n)).hexdigest() for n in b.namelist())
        assert app_hashes == base_hashes == sorted(x.sha256 for x in blobs), "the same bytes"
    teardown(connection, DB)
    shutil.rmtree(work, ignore_errors=True)
    growth_mb = max(growth_kb) / 1024
    ok = result["ratio"] <= 2 and growth_mb <= 64
    print(
        f"B13 ratio={result['ratio']:.2f} target<=2 rss_growth_MB={growth_mb:.1f} target<=64 "
        f"docs={DOCS} MB={total / 2**20:.0f} reps={REPS} app_ms={result['app_ms']:.0f} "
        f"base_ms={result['base_ms']:.0f} iqr={result['iqr'][0]:.2f}-{result['iqr'][1]:.2f} "
        f"queries={max(queries)} rss_reset={'yes' if can_reset else 'no'} load={os.getloadavg()[0]:.1f} "
        f"db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
