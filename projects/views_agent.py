"""Pages of the agent's own view on projects: the iCalendar feed (its address page and the signed feed
itself) and the directors' portfolio with its CSV export."""

import csv
import io

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import agent


@require_GET
def feed_page(request):
    """The agent's signed feed address, to paste into a calendar application."""
    base = request.build_absolute_uri("/")[:-1]
    url = base + reverse("projects:feed_ics", args=[agent.feed_token(request.user)])
    return render(request, "projects/feed.html", {"feed_url": url})


@login_not_required
@require_GET
def feed_ics(request, token):
    user = agent.feed_user(token)
    if user is None:
        raise Http404
    base = request.build_absolute_uri("/")[:-1]
    response = HttpResponse(agent.feed_ics(user, base_url=base), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mes-taches.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def portfolio(request):
    rows = agent.portfolio(request.user)
    return render(
        request,
        "projects/portfolio.html",
        {"rows": rows, "has_milestones": bool(rows) and rows[0]["late_milestones"] is not None},
    )


def _cell(value) -> str:
    """A spreadsheet must not read a cell as a formula (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
def portfolio_csv(request):
    rows = agent.portfolio(request.user)
    out = io.StringIO()
    out.write("\ufeff")  # UTF-8 BOM: spreadsheets then read the accents right
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            _("Projet"),
            _("Statut"),
            _("Service"),
            _("Chef de projet"),
            _("Commanditaire"),
            _("Jalons en retard"),
            _("Cartes en retard"),
            _("Dernière activité"),
        ]
    )
    for row in rows:
        w = row["workspace"]
        writer.writerow(
            [
                _cell(w.name),
                _cell(row["status"]),
                _cell(row["department"]),
                _cell(w.lead.get_full_name() or w.lead.username),
                _cell((w.sponsor.get_full_name() or w.sponsor.username) if w.sponsor else ""),
                "" if row["late_milestones"] is None else row["late_milestones"],
                row["overdue"],
                date_format(timezone.localtime(row["last_activity"]), "d/m/Y H:i"),
            ]
        )
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portefeuille-projets.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
