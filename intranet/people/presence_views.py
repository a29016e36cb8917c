"""« Qui est là ? » (presence today per department and site), the agent's own week and absences, the team
absence calendar, and the « Organigramme »."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import presence_actions as actions
from .models import Absence, Department, PresenceFeedToken
from .orgchart import org_chart
from .presence import clamp_day, next_days, own_absences, presence_page, team_absences
from .presence_forms import AbsenceForm, PatternForm
from .presence_ical import team_feed
from .queries import department_choices

_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@require_GET
def index(request):
    """Who works today (or on `?jour=`), for a department (`?service=`, its sub-services included) or all."""
    slug = request.GET.get("service", "").strip()
    department = None
    if slug and _SLUG.match(slug):
        department = Department.objects.filter(slug=slug).only("id", "name", "slug").first()
    day = clamp_day(_day(request.GET.get("jour", "").strip()))
    page = presence_page(request, day, department)
    prev_day, next_day = next_days(day)
    return render(
        request,
        "people/presence/index.html",
        {
            "page": page,
            "departments": department_choices(),
            "selected": department.slug if department else "",
            "today": timezone.localdate(),
            "prev_day": prev_day,
            "next_day": next_day,
        },
    )


@require_http_methods(["GET", "POST"])
def mine(request):
    """The agent's usual week, absences (with the reasons, for them alone) and team calendar address."""
    user = request.user
    pattern_form = PatternForm(user=user)
    absence_form = AbsenceForm()
    secret = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "pattern":
                pattern_form = PatternForm(request.POST, user=user)
                if pattern_form.is_valid():
                    office, remote = pattern_form.days()
                    actions.presence_pattern_update(
                        user=user, office_days=office, remote_days=remote, request=request
                    )
                    messages.success(request, _("Votre semaine habituelle est enregistrée."))
                    return redirect("presence:mine")
                status = 400
            elif action == "absence":
                absence_form = AbsenceForm(request.POST)
                if absence_form.is_valid():
                    actions.absence_create(user=user, request=request, **absence_form.cleaned_data)
                    messages.success(request, _("Votre absence est enregistrée."))
                    return redirect("presence:mine")
                status = 400
            elif action in ("delete", "visibility"):
                absence = get_object_or_404(Absence, pk=_int(request.POST.get("absence")), user=user)
                if action == "delete":
                    actions.absence_delete(absence=absence, actor=user, request=request)
                    messages.success(request, _("L'absence est retirée."))
                else:
                    actions.absence_visibility_update(
                        absence=absence,
                        actor=user,
                        visibility=request.POST.get("visibility", ""),
                        request=request,
                    )
                    messages.success(request, _("Ce que voient vos collègues est enregistré."))
                return redirect("presence:mine")
            elif action == "feed":
                secret = actions.presence_feed_token_create(user=user, request=request)
            elif action == "feed-revoke":
                actions.presence_feed_token_revoke(user=user, request=request)
                messages.success(
                    request,
                    _("Adresse d'abonnement révoquée : les agendas abonnés ne se mettent plus à jour."),
                )
                return redirect("presence:mine")
            else:
                status = 400
        except ValidationError as exc:
            (absence_form if action == "absence" else pattern_form).add_error(None, exc)
            status = 400
        except PermissionDenied:
            raise Http404 from None
    feed_url = ""
    if secret and user.department_id:
        feed_url = request.build_absolute_uri(
            reverse("presence:team_feed", args=[secret, user.department.slug])
        )
    return render(
        request,
        "people/presence/mine.html",
        {
            "pattern_form": pattern_form,
            "absence_form": absence_form,
            "absences": own_absences(user),
            "has_feed": PresenceFeedToken.objects.filter(user=user).exists(),
            "secret": secret,
            "feed_url": feed_url,
            "feed_base": request.build_absolute_uri("/")[:-1],
        },
        status=status,
    )


def _int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise Http404 from None


@login_not_required
@require_GET
def team_calendar(request, secret, slug):
    """A department's absences (sub-services included) behind the agent's secret: 404 for a bad secret and
    an unknown department alike. Dates and names only (presence_ical)."""
    user = actions.presence_feed_user(secret)
    if user is None or not _SLUG.match(slug):
        raise Http404
    department = Department.objects.filter(slug=slug).only("id", "name", "slug").first()
    if department is None:
        raise Http404
    today = timezone.localdate()
    rows = team_absences(department, today - timedelta(days=31), today + timedelta(days=366))
    host = getattr(settings, "SITE_URL", "") or request.get_host()
    content = team_feed(
        _("Absences – %(name)s") % {"name": department.name}, rows, host=re.sub(r"^https?://", "", host)
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="absences-{department.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def organigram(request):
    return render(request, "people/orgchart/index.html", {"organisations": org_chart()})
