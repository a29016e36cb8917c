"""Fixity check: every stored blob is read again and hashed; its SHA-256 and size must be the stored ones.

A blob is content-addressed (its name is its SHA-256), so a mismatch means the bytes changed on disk or in the
bucket (media decay, a bad restore, tampering) and a missing file means it was lost. Each problem is written
to the access log (`ged.fixity_mismatch`, `ged.fixity_missing`), every run too (`ged.fixity_run`), and IT
(active superusers) is notified in-app and by e-mail through the outbox when anything is wrong.

Blobs are read in 1 MiB chunks, one at a time, in SHA-256 order: memory stays flat, and a run stopped by
`limit` says where to resume (`after`)."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ged import storage
from ged.models import Blob
from intranet.audit.actions import audit_record
from intranet.audit.choices import Result

CHUNK = 1024 * 1024


@dataclass
class FixityProblem:
    sha256: str
    kind: str  # "mismatch" | "missing"
    expected_size: int
    actual_sha256: str = ""
    actual_size: int | None = None


@dataclass
class FixityReport:
    checked: int = 0
    bytes_read: int = 0
    problems: list[FixityProblem] = field(default_factory=list)
    # The last SHA-256 checked: pass it as `after` to resume a run stopped by `limit`.
    last: str = ""
    complete: bool = True

    @property
    def mismatches(self) -> list[FixityProblem]:
        return [p for p in self.problems if p.kind == "mismatch"]

    @property
    def missing(self) -> list[FixityProblem]:
        return [p for p in self.problems if p.kind == "missing"]


def blob_verify(sha256: str, size: int) -> FixityProblem | None:
    """Re-hash one stored blob; None when it matches its name and size."""
    digest = hashlib.sha256()
    read = 0
    try:
        source = storage.blob_open(sha256)
    except FileNotFoundError:
        return FixityProblem(sha256=sha256, kind="missing", expected_size=size)
    with source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            read += len(chunk)
    actual = digest.hexdigest()
    if actual != sha256 or read != size:
        return FixityProblem(
            sha256=sha256, kind="mismatch", expected_size=size, actual_sha256=actual, actual_size=read
        )
    return None


def fixity_check(
    *,
    limit: int | None = None,
    since: datetime | None = None,
    after: str = "",
    on_blob: Callable[[int], None] | None = None,
) -> FixityReport:
    """Check the stored blobs (those written since `since`, after the SHA-256 `after`, at most `limit`),
    record each problem and the run in the access log, notify IT if anything is wrong."""
    report = FixityReport()
    blobs = Blob.objects.order_by("sha256")
    if since is not None:
        blobs = blobs.filter(created_at__gte=since)
    if after:
        blobs = blobs.filter(sha256__gt=after)
    if limit is not None:
        # One more row says whether the run stopped before the end.
        blobs = blobs[: limit + 1]
    for sha256, size in blobs.values_list("sha256", "size").iterator(chunk_size=500):
        if limit is not None and report.checked >= limit:
            report.complete = False
            break
        problem = blob_verify(sha256, size)
        report.checked += 1
        report.bytes_read += size if problem is None else (problem.actual_size or 0)
        report.last = sha256
        if problem is not None:
            report.problems.append(problem)
            _record_problem(problem)
        if on_blob is not None:
            on_blob(size)
    audit_record(
        action="ged.fixity_run",
        actor_label="ged_fixity",
        object_type="ged.blob",
        result=Result.FAILURE if report.problems else Result.SUCCESS,
        extra={
            "checked": report.checked,
            "mismatches": len(report.mismatches),
            "missing": len(report.missing),
            "complete": report.complete,
            "last": report.last,
        },
    )
    if report.problems:
        _notify_it(report)
    return report


def _record_problem(problem: FixityProblem) -> None:
    extra = {"expected_size": problem.expected_size}
    if problem.kind == "mismatch":
        extra.update(actual_sha256=problem.actual_sha256, actual_size=problem.actual_size)
    audit_record(
        action=f"ged.fixity_{problem.kind}",
        actor_label="ged_fixity",
        object_type="ged.blob",
        object_id=problem.sha256,
        result=Result.FAILURE,
        extra=extra,
    )


def _notify_it(report: FixityReport) -> None:
    """IT is the active superusers (the same people who read the audit log and the outbox failures)."""
    from intranet.notifications.actions import notify

    it = get_user_model().objects.filter(is_active=True, is_superuser=True).values_list("pk", flat=True)
    text = _(
        "Vérification d'intégrité de la GED : fichiers vérifiés : %(checked)s ; altérés : %(mismatches)s ; "
        "manquants : %(missing)s. Restaurez-les depuis la sauvegarde ; le détail est dans le "
        "journal d'accès (actions ged.fixity_*)."
    ) % {"mismatches": len(report.mismatches), "missing": len(report.missing), "checked": report.checked}
    notify(recipients=list(it), verb="ged.fixity", text=text, email=True)


def summary(report: FixityReport) -> str:
    """One French line for the command's output and the journal."""
    line = ngettext(
        "%(checked)s contenu vérifié",
        "%(checked)s contenus vérifiés",
        report.checked,
    ) % {"checked": report.checked}
    line += _(" ; altérés : %(mismatches)s ; manquants : %(missing)s.") % {
        "mismatches": len(report.mismatches),
        "missing": len(report.missing),
    }
    if not report.complete:
        line += " " + _("Arrêt à la limite ; pour reprendre : --after %(last)s") % {"last": report.last}
    return line
