from dataclasses import dataclass, field

from .choices import Compliance
from .models import Audit, CheckRun, KnownException, PlanYear, Statement


@dataclass
class PageRow:
    path: str
    label: str
    by_width: dict = field(default_factory=dict)  # width -> result

    @property
    def weight(self) -> int:
        """Bytes received at the widest width (the desktop load)."""
        widest = max(self.by_width) if self.by_width else None
        return self.by_width[widest].get("bytes", 0) if widest is not None else 0

    @property
    def requests(self) -> int:
        widest = max(self.by_width) if self.by_width else None
        return self.by_width[widest].get("requests", 0) if widest is not None else 0


def statement_context() -> dict:
    """Everything the statement page shows: the legal state from the last audit (« non conforme » without
    one), the last finished automated run as evidence, the plan and the known exceptions."""
    audit = Audit.objects.first()
    run = CheckRun.objects.filter(finished_at__isnull=False).first()
    rows: dict[str, PageRow] = {}
    widths: list[int] = []
    if run is not None:
        for result in run.results:
            row = rows.setdefault(
                result["path"], PageRow(result["path"], result.get("label") or result["path"])
            )
            row.by_width[result["width"]] = result
            if result["width"] not in widths:
                widths.append(result["width"])
    pages = list(rows.values())
    weights = [p.weight for p in pages if p.weight]
    return {
        "statement": Statement.current(),
        "audit": audit,
        "compliance": audit.compliance if audit is not None else Compliance.NONE,
        "compliance_label": Compliance(audit.compliance if audit is not None else Compliance.NONE).label,
        "run": run,
        "run_pages": pages,
        "run_widths": sorted(widths, reverse=True),
        "run_clean": run is not None
        and all(not r["violations"] and not r["overflow"] and not r.get("error") for r in run.results),
        "weight_mean": sum(weights) / len(weights) if weights else 0,
        "weight_max": max(weights) if weights else 0,
        "requests_mean": (sum(p.requests for p in pages) / len(pages)) if pages else 0,
        "plan": list(PlanYear.objects.all()),
        "exceptions": list(KnownException.objects.all()),
    }
