from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For the load balancer and systemd: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def ping(request):
    """A trivial authenticated view with a tiny template: the baseline of bench/page_render.py."""
    return render(request, "ping.html")
