"""What the payslips give the rest of the intranet: the « Nouveau bulletin » dashboard panel and the sample
pages of the accessibility tests. Nothing here shows a payslip to anyone but its agent."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .actions import DASHBOARD_TOPIC, month_label
from .models import Batch, Payslip, QuarantinePage
from .permissions import is_payroll_manager


def dashboard_context(request) -> dict | None:
    """Shown while the agent has a payslip they have not opened yet: one query (cached per agent under the
    `payslips` topic, bumped for the agents of each deposit and when the agent opens the safe)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    periods = list(
        Payslip.objects.filter(agent_id=user.pk, seen_at__isnull=True)
        .order_by("-period")
        .values_list("period", flat=True)[:12]
    )
    if not periods:
        return None
    return {"count": len(periods), "latest": month_label(periods[0])}


def accessibility_pages(user):
    pages = [
        (reverse("payslips:index"), _("Mon coffre agent")),
        (reverse("payslips:log"), _("Journal de mon coffre")),
    ]
    if is_payroll_manager(user):
        pages += [
            (reverse("payslips:payroll"), _("Dépôt de la paie")),
            (reverse("payslips:leaver_new"), _("Départs : bulletins de paie")),
        ]
        batch = Batch.objects.order_by("-pk").first()
        if batch is not None:
            pages.append((reverse("payslips:batch", args=[batch.pk]), _("Dépôt de paie")))
        page = QuarantinePage.objects.filter(resolved_at__isnull=True).order_by("pk").first()
        if page is not None:
            pages.append((reverse("payslips:quarantine", args=[page.pk]), _("Page en quarantaine")))
    return pages


__all__ = ["DASHBOARD_TOPIC", "accessibility_pages", "dashboard_context"]
