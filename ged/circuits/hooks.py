"""What the circuits add to the rest of the intranet: pages for the automated accessibility checks, the
« À viser » panel of the home page."""

import contextlib
import datetime

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from intranet import dashboard

from ..permissions import readable_documents_q
from .models import Circuit, CircuitTemplate, Desk
from .permissions import Roster, desk_roster
from .queries import steps_to_act
from .setup_actions import may_administer


def accessibility_pages(user):
    """The parapheur's lists, and a circuit the agent may open with its submission page."""
    pages = [
        (reverse("circuits:todo"), _("À viser / à signer")),
        (reverse("circuits:mine"), _("Mes dossiers en circuit")),
        (reverse("circuits:late"), _("Dossiers en retard")),
        (reverse("circuits:delegations"), _("Délégations")),
    ]
    if may_administer(user):
        pages.append((reverse("circuits:setup"), _("Administration des circuits")))
        pages.append((reverse("circuits:desk_new"), _("Nouveau bureau")))
        pages.append((reverse("circuits:template_new"), _("Nouveau modèle")))
        desk, template = Desk.objects.order_by("pk").first(), CircuitTemplate.objects.order_by("pk").first()
        if desk is not None:
            pages.append((reverse("circuits:desk_edit", args=[desk.pk]), _("Bureau")))
        if template is not None:
            pages.append((reverse("circuits:template_edit", args=[template.pk]), _("Modèle de circuit")))
    circuit = (
        Circuit.objects.filter(readable_documents_q(user, prefix="document__"))
        .order_by("-submitted_at", "-pk")
        .only("pk", "document_id")
        .first()
    )
    if circuit is not None:
        pages.append((reverse("circuits:circuit", args=[circuit.pk]), _("Circuit")))
        pages.append((reverse("circuits:submit", args=[circuit.document_id]), _("Soumettre à un circuit")))
    return pages


# --- « À viser » on the home page ---------------------------------------------------------------------------

DASHBOARD_TOPIC = "circuits"
PANEL_ROWS = 5


def dashboard_context(request) -> dict | None:
    """The steps waiting for the agent (delegations included): hidden for an agent who acts for no desk;
    otherwise one query (the steps, their decisions and the reading rule together), the desks' roster coming
    from the cache (`_roster`)."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    roster = _roster()
    if user.pk not in roster.actor_ids():
        return None
    steps = steps_to_act(user, roster)
    now = timezone.now()
    upcoming = [s.due_at for s in steps if s.due_at and s.due_at >= now]
    return {
        "rows": steps[:PANEL_ROWS],
        "count": len(steps),
        "late": sum(1 for s in steps if s.due_at and s.due_at < now),
        "more": max(0, len(steps) - PANEL_ROWS),
        "today": timezone.localdate().isoformat(),
        "next_due": min(upcoming).isoformat() if upcoming else "",
    }


def _roster() -> Roster:
    """Today's roster of the desks (members and current delegations), cached for everyone under the
    `circuits` topic's version (bumped by any desk, membership or delegation change) and the day: most agents
    act for no desk, and their home page then costs no query for this panel, and a desk member's costs one
    (the B9 budget). Two queries when it changed."""
    today = timezone.localdate().isoformat()
    try:
        key = f"{dashboard.global_data_key('circuits-roster', DASHBOARD_TOPIC)}:{today}"
        found = cache.get(key)
    except Exception:  # the cache is down: read the database
        key, found = None, None
    if found is not None:
        return found
    roster = desk_roster()
    if key is not None:
        with contextlib.suppress(Exception):  # a cache outage only costs these queries next time
            cache.set(key, roster, timeout=86400)
    return roster


def dashboard_valid_until(context: dict):
    """The panel turns stale when a step becomes late, or at midnight (delegations start and end by day)."""
    today = datetime.date.fromisoformat(context["today"])
    midnight = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    if context["next_due"]:
        return min(midnight, datetime.datetime.fromisoformat(context["next_due"]))
    return midnight
