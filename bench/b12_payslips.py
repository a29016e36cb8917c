"""B12: one payroll PDF of `B12_PAGES` pages (default 500, one agent each, made with fpdf2 from a fixed seed)
deposited as HR does it — split, matched by registration number, stored, audited, notified — against `pypdf`
splitting the same file into one file per page on the same disk, interleaved (performance.md §1-2).

- app: `ged.payslips.actions.deposit` (the staged file copied in first, untimed, since deposit consumes it),
  with the notifications and their outbox rows written in the same transaction; the task backend is the
  dummy one, so the mails are queued as in production, not sent inline;
- baseline: `PdfReader` + one `PdfWriter` per page written to a file in the blob store's temp directory.
Every repetition checks that the app delivered every page to the right agent and that its stored payslips
are, byte for byte (SHA-256), the baseline's files. Between repetitions (untimed) the payslips, batches,
notifications, outbox rows and blobs are removed, so each deposit stores everything anew.

Target (performance.md): <= 3x. Run: `.venv/bin/python bench/b12_payslips.py`.
"""

import datetime
import hashlib
import io
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _harness import setup_django, summary, teardown

DB = "intranet_bench_payslips_b12"
PAGES = int(os.environ.get("B12_PAGES", "500"))
REPS = int(os.environ.get("B12_REPS", "15"))
SEED = 12
PERIOD = datetime.date(2026, 11, 1)


def main():
    work = Path(tempfile.mkdtemp(prefix="b12-", dir=os.environ.get("B12_DIR") or None))
    os.environ["GED_STORAGE_ROOT"] = str(work / "ged")
    connection = setup_django(DB)
    from django.conf import settings
    from django.test.utils import CaptureQueriesContext

    settings.GED_STORAGE_ROOT = str(work / "ged")
    settings.GED_STORAGE_ALIAS = ""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from pypdf import PdfReader, PdfWriter

    from ged import storage
    from ged.models import Blob
    from ged.payslips.actions import deposit
    from ged.payslips.models import Batch, Payslip, QuarantinePage
    from ged.payslips.samples import payroll_pdf
    from ged.uploads import stage
    from intranet.notifications.models import Notification
    from intranet.outbox.models import OutboxItem
    from intranet.people.models import User

    hr = User.objects.create(username="rh.paie")
    agents = User.objects.bulk_create(
        [
            User(username=f"agent{i:04d}", last_name=f"N{i}", registration_number=f"{300000 + i:06d}")
            for i in range(PAGES)
        ]
    )
    source = work / "paie.pdf"
    source.write_bytes(payroll_pdf([(a.registration_number, a.username) for a in agents], PERIOD, seed=SEED))
    out_dir = storage.tmp_dir() / "base"

    def base_split() -> list[str]:
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir()
        reader = PdfReader(source)
        hashes = []
        for i, page in enumerate(reader.pages):
            writer = PdfWriter()
            writer.add_page(page)
            path = out_dir / f"page-{i:04d}.pdf"
            with open(path, "wb") as fh:
                writer.write(fh)
            hashes.append(hashlib.sha256(path.read_bytes()).hexdigest())
        return hashes

    expected = sorted(base_split())
    queries = []

    def reset():
        shas = list(Blob.objects.values_list("sha256", flat=True))
        Payslip.objects.all().delete()
        QuarantinePage.objects.all().delete()
        Batch.objects.all().delete()
        Notification.objects.all().delete()
        OutboxItem.objects.all().delete()
        Blob.objects.all().delete()
        for sha in shas:
            storage.blob_delete(sha)

    def app_once() -> int:
        staged = stage(str(source), name="paie-2026-11.pdf")  # untimed: the upload handler's part
        reset()
        t = time.perf_counter_ns()
        with CaptureQueriesContext(connection) as ctx:
            batch = deposit(period=PERIOD, files=[staged], by=hr)
        elapsed = time.perf_counter_ns() - t
        queries.append(len(ctx.captured_queries))
        assert (batch.delivered, batch.quarantined) == (PAGES, 0), "every page delivered"
        pairs = dict(Payslip.objects.values_list("agent__registration_number", "sha256"))
        assert sorted(pairs.values()) == expected, "the same bytes as pypdf's split"
        for number, sha in list(pairs.items())[:: max(1, PAGES // 20)]:
            with storage.blob_open(sha) as fh:
                assert number in PdfReader(io.BytesIO(fh.read())).pages[0].extract_text(), "the right agent"
        return elapsed

    def base_once() -> int:
        t = time.perf_counter_ns()
        hashes = base_split()
        elapsed = time.perf_counter_ns() - t
        assert sorted(hashes) == expected
        return elapsed

    app_once()
    base_once()
    app_ns, base_ns = [], []
    for _ in range(REPS):
        app_ns.append(app_once())
        base_ns.append(base_once())
    result = summary(app_ns, base_ns)
    teardown(connection, DB)
    shutil.rmtree(work, ignore_errors=True)
    ok = result["ratio"] <= 3
    print(
        f"B12 ratio={result['ratio']:.2f} target<=3 pages={PAGES} reps={REPS} app_ms={result['app_ms']:.0f} "
        f"base_ms={result['base_ms']:.0f} iqr={result['iqr'][0]:.2f}-{result['iqr'][1]:.2f} "
        f"queries={max(queries)} app_ms_stdev={statistics.pstdev(app_ns) / 1e6:.0f} "
        f"load={os.getloadavg()[0]:.1f} db={connection.vendor} {'OK' if ok else 'FAIL'}"
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
