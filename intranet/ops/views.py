"""/healthz (the process is alive), /readyz (its dependencies answer) and /ops/metrics (Prometheus, IT only).

Health and readiness need no login and touch no session: load balancers and systemd poll them."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import metrics
from .readiness import run_checks


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Alive: the process answers. No database, so a database outage does not get every worker restarted."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """Ready: every registered check passes (database, Redis, storage, task queue age); 503 otherwise."""
    results = run_checks()
    ready = all(result.ok for result in results)
    body = {"status": "ok" if ready else "fail", "checks": {r.name: r.as_dict() for r in results}}
    return JsonResponse(body, status=200 if ready else 503)


def _may_read_metrics(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    return request.user.is_authenticated and request.user.is_active and request.user.is_superuser


@login_not_required
@never_cache
@require_GET
def metrics_view(request):
    """IT only (a superuser, or the scraper's METRICS_TOKEN); anyone else gets the 404 of a missing page."""
    if not _may_read_metrics(request):
        raise Http404
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")
