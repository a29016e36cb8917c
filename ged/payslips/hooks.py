"""What the payslips give the rest of the intranet: the « Nouveau bulletin » dashboard panel and the sample
pages of the accessibility tests. Nothing here shows a payslip to anyone but its agent."""

import contextlib

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from intranet import dashboard

from .actions import DASHBOARD_TOPIC, month_label
from .models import Batch, Payslip, QuarantinePage
from .permissions import is_payroll_manager


def dashboard_context(request) -> dict | None:
    """Shown while the agent has a payslip they have not opened yet. Read from the cached map of unopened
    payslips (at most one query for everyone, see `_unseen_periods`): the panel itself costs no query."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    periods = _unseen_periods().get(user.pk)
    if not periods:
        return None
    return {"count": len(periods), "latest": month_label(periods[0])}


def _unseen_periods() -> dict[int, list]:
    """Agent id -> the months of their unopened payslips, newest first (at most 12), cached for everyone under
    the `payslips` topic's global version (bumped by every deposit, every quarantine assignment and every
    opening of a safe): one query when it changed, none otherwise (the home page's B9 budget)."""
    try:
        key = dashboard.global_data_key("payslips-unseen-periods", DASHBOARD_TOPIC)
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - the cache is down: read the database
        key, found = None, None
    if found is not None:
        return found
    periods: dict[int, list] = {}
    rows = Payslip.objects.filter(seen_at__isnull=True).order_by("agent_id", "-period")
    for agent_id, period in rows.values_list("agent_id", "period"):
        mine = periods.setdefault(agent_id, [])
        if len(mine) < 12:
            mine.append(period)
    if key is not None:
        with contextlib.suppress(Exception):  # a cache outage only costs this query next time
            cache.set(key, periods, 3600)
    return periods


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
