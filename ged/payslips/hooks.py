"""What the payslips give the rest of the intranet: the « Nouveau bulletin » dashboard panel and the sample
pages of the accessibility tests. Nothing here shows a payslip to anyone but its agent."""

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from intranet import dashboard

from .actions import DASHBOARD_TOPIC, month_label
from .models import Batch, Payslip, QuarantinePage
from .permissions import is_payroll_manager


def dashboard_context(request) -> dict | None:
    """Shown while the agent has a payslip they have not opened yet: one query (cached per agent under the
    `payslips` topic, bumped for the agents of each deposit and when the agent opens the safe)."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or user.pk not in _unseen_agent_ids():
        return None
    periods = list(
        Payslip.objects.filter(agent_id=user.pk, seen_at__isnull=True)
        .order_by("-period")
        .values_list("period", flat=True)[:12]
    )
    if not periods:
        return None
    return {"count": len(periods), "latest": month_label(periods[0])}


def _unseen_agent_ids() -> set[int]:
    """Agents with an unopened payslip, cached for everyone under the `payslips` topic's global version
    (bumped by every deposit and every opening of a safe): an agent with nothing new pays no query for the
    panel (the home page's B9 budget)."""
    try:
        version = dashboard._versions([dashboard._version_key(DASHBOARD_TOPIC)])  # noqa: SLF001
        key = f"payslips:unseen:{next(iter(version.values()))}"
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is down: read the database
        key, found = None, None
    if found is not None:
        return found
    ids = set(Payslip.objects.filter(seen_at__isnull=True).values_list("agent_id", flat=True).distinct())
    if key is not None:
        cache.set(key, ids, 3600)
    return ids


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
