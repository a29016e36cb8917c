"""The agenda's HTTP side: thin views that parse, call one query or action, and render. The event page's own
routes (register, unregister, cancel, iCal) are reached through EventPage.serve, which has already checked
that the agent may see the event (404 otherwise)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import actions, ical
from .feeds import feed_token, feed_user
from .models import FeedKey
from .permissions import abilities
from .queries import month_grid, parse_month, upcoming_list


@require_GET
def agenda_month(request):
    """The month grid (`?mois=2026-12`); on a phone the grid reads as a list of the days that have events."""
    today = timezone.localdate()
    first = parse_month(request.GET.get("mois"), today)
    status, error = 200, ""
    if first is None:
        status, first = 400, today.replace(day=1)
        error = _(
            "Le mois demandé n'est pas valide (attendu : AAAA-MM, par exemple 2026-12). "
            "Voici le mois en cours."
        )
    context = month_grid(request.user, first, today)
    context.update({"error": error, "view": "month"})
    return render(request, "events/agenda_month.html", context, status=status)


@require_GET
def agenda_list(request):
    """Upcoming events, soonest first; `?filtre=mes-inscriptions` keeps those I registered or wait for."""
    mine_only = request.GET.get("filtre") == "mes-inscriptions"
    events = upcoming_list(request.user, now=timezone.now(), mine_only=mine_only)
    return render(
        request, "events/agenda_list.html", {"events": events, "mine_only": mine_only, "view": "list"}
    )


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """The agent's signed feed addresses; POST renews the key (every older address stops working)."""
    if request.method == "POST":
        actions.feed_key_renew(user=request.user)
        messages.success(request, _("Nouvelle adresse créée : les anciennes adresses ne fonctionnent plus."))
        return redirect("events:subscribe")
    key = FeedKey.objects.filter(user=request.user).first()
    urls = {}
    if key is not None:
        token = feed_token(key)
        base = request.build_absolute_uri("/")[:-1]
        urls = {
            "all": base + reverse("events:feed", args=[token, "tous"]),
            "mine": base + reverse("events:feed", args=[token, "mes-inscriptions"]),
        }
    return render(request, "events/subscribe.html", {"urls": urls, "view": "subscribe"})


def _ics(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_not_required
@require_GET
def feed(request, token, which):
    """The events the token's agent may see (« tous ») or is registered for (« mes-inscriptions »)."""
    from .queries import feed_events

    user = feed_user(token)
    if user is None or which not in {"tous", "mes-inscriptions"}:
        raise Http404
    mine_only = which == "mes-inscriptions"
    events = feed_events(user, mine_only=mine_only, now=timezone.now())
    name = _("Mes inscriptions (agenda)") if mine_only else _("Agenda de l'intranet")
    return _ics(ical.feed(name, events), which)


# --- Routes of an event page (EventPage.serve checked the audience) ---------------------------------------


def _back(request, event):
    return redirect(event.get_url(request) or "/agenda/")


def register(request, event):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        registration = actions.registration_create(event=event, user=request.user)
    except actions.RegistrationRefused as exc:
        messages.error(request, exc.message)
        return _back(request, event)
    if registration.status == "waiting":
        messages.success(
            request,
            _(
                "L'événement est complet : vous êtes en liste d'attente. "
                "Vous serez prévenu·e si une place se libère."
            ),
        )
    else:
        messages.success(request, _("Vous êtes inscrit·e."))
    return _back(request, event)


def unregister(request, event):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        actions.registration_cancel(event=event, user=request.user)
    except actions.RegistrationRefused as exc:
        messages.error(request, exc.message)
        return _back(request, event)
    messages.success(request, _("Votre inscription est annulée."))
    return _back(request, event)


def cancel(request, event):
    """The organiser cancels the event (with an optional reason); anyone else gets a 404."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not abilities(request.user, event, now=timezone.now())["organise"]:
        raise Http404
    reason = request.POST.get("motif", "")
    if len(reason) > 500:
        messages.error(request, _("Le motif est trop long (500 caractères au plus) : raccourcissez-le."))
        return _back(request, event)
    try:
        actions.event_cancel(event=event, by=request.user, reason=reason)
    except actions.RegistrationRefused as exc:
        messages.error(request, exc.message)
        return _back(request, event)
    messages.success(request, _("L'événement est annulé ; les inscrits sont prévenus."))
    return _back(request, event)


def event_ical(request, event):
    from .queries import attach_places

    attach_places([event])
    return _ics(ical.single(event), f"evenement-{event.pk}")
