"""Room booking pages: thin views that parse, call one action or query, render."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intranet.params import is_valid_id, parse_date, parse_id, parse_int, parse_optional_id

from . import actions, ical
from .choices import BLOCKING_STATUSES, BookingStatus, ResourceKind
from .forms import BookingForm, EditForm, FinderForm, ReasonForm, VehicleReturnForm
from .models import Booking, Room, Site, VehicleReturn
from .permissions import (
    abilities,
    access_booking,
    access_booking_as_manager,
    access_room,
    actor_for,
    managed_room_ids,
    room_managers,
)
from .policies import open_days_label
from .queries import (
    FinderQuery,
    day_view,
    feed_bookings,
    flagged_bookings,
    free_rooms,
    my_bookings,
    next_free_slots,
    next_working_slot,
    pending_approvals,
    room_list,
    rooms_with_gap,
    today_local,
    week_start,
    week_view,
)
from .recurrence import public_holidays, to_local


def _partial(request, full: str, fragment: str, context: dict, status: int = 200):
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, fragment, context, status=status)
    else:
        response = render(request, full, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def index(request):
    site_id = parse_optional_id(request.GET.get("site"), param="site")
    rooms = room_list(site=site_id, kind=ResourceKind.ROOM)
    return render(
        request,
        "rooms/index.html",
        {"rooms": rooms, "sites": Site.objects.all(), "site_id": site_id, "today": today_local()},
    )


@require_GET
def kind_index(request, kind):
    """/salles/vehicules/ and /salles/materiel/: the pool vehicles or the loan equipment, by site."""
    site_id = parse_optional_id(request.GET.get("site"), param="site")
    return render(
        request,
        "rooms/kind_index.html",
        {
            "kind": kind,
            "resources": room_list(site=site_id, kind=kind),
            "sites": Site.objects.all(),
            "site_id": site_id,
        },
    )


@require_GET
def room_detail(request, pk):
    room = access_room(request.user, pk)
    # ?jour= picks the day a phone shows alone (and its week); ?semaine= a week
    focus = parse_date(request.GET.get("jour"), param="jour")
    monday = week_start(
        focus or parse_date(request.GET.get("semaine"), default=today_local(), param="semaine")
    )
    context = {
        "policy": room.policy,
        "policy_days": open_days_label(room.policy),
        "policy_window": min(room.policy.window_days, settings.ROOMS_BOOKING_HORIZON_DAYS),
        "managers": room_managers(room) if room.requires_approval else [],
        "room": room,
        "equipment": list(room.equipment.order_by("name")),
        "week": week_view(request.user, room, monday, focus),
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
    }
    return _partial(request, "rooms/room_detail.html", "rooms/_week.html", context)


@require_GET
def site_day(request, slug):
    site = get_object_or_404(Site, slug=slug)
    day = parse_date(request.GET.get("jour"), default=today_local(), param="jour")
    context = {
        "view": day_view(request.user, site, day),
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "sites": Site.objects.all(),
    }
    return _partial(request, "rooms/site_day.html", "rooms/_day.html", context)


def _clock() -> datetime:
    """Now, for the finder's default slot (tests set a fixed clock here)."""
    return timezone.now()


@require_GET
def finder(request):
    """Free rooms for a window; the form's GET is shareable; htmx requests get the results only. Without
    a date (a bare /salles/trouver/, or ?kind=vehicle from /salles/vehicules/), it searches the next
    working slot: the next opening hour on a working day."""
    params, default_slot = request.GET, None
    if "date" not in request.GET:
        default_slot = next_working_slot(
            now=_clock(), site=parse_optional_id(request.GET.get("site"), param="site")
        )
        if default_slot:
            start, end = to_local(default_slot[0]), to_local(default_slot[1])
            params = request.GET.copy()
            params["date"] = start.date().isoformat()
            params["start_time"] = start.strftime("%H:%M")
            params["end_time"] = end.strftime("%H:%M")
            params.setdefault("capacity", "1")
            params.setdefault("quantity", "1")
    bound = "date" in params
    initial = {"date": today_local() + timedelta(days=1), "capacity": 1, "quantity": 1}
    form = FinderForm(params if bound else None, initial=initial)
    context = {"form": form, "searched": False, "default_slot": default_slot}
    if bound and form.is_valid():
        data = form.cleaned_data
        duration = timedelta(minutes=data["duration"]) if data.get("duration") else None
        query = FinderQuery(
            start=data["start"],
            end=data["end"],
            duration=duration,
            capacity=data["capacity"] if data["kind"] != ResourceKind.EQUIPMENT else 1,
            equipment=[e.slug for e in data["equipment"]],
            site=data["site"].pk if data.get("site") else None,
            kind=data["kind"],
            quantity=data["quantity"],
        )
        actor = actor_for(request.user)
        free = free_rooms(actor, query)
        partial = []
        if duration and duration < query.end - query.start:
            partial = rooms_with_gap(actor, query, exclude={r.pk for r in free})
        context.update(
            searched=True, free=free, partial=partial, query=query, data=data, closed_note=_closed_note(data)
        )
    return _partial(request, "rooms/finder.html", "rooms/_finder_results.html", context)


def _closed_note(data) -> str:
    """Why the finder may find few resources that day: a public holiday or a weekend closes most sites."""
    day = data["date"]
    if day in public_holidays(day.year):
        return _(
            "Le %(date)s est un jour férié : les sites fermés les jours fériés n'apparaissent pas dans les "
            "résultats."
        ) % {"date": date_format(day, "l j F Y")}
    if day.isoweekday() > 5:
        return _("Le %(date)s tombe un week-end : la plupart des sites sont fermés.") % {
            "date": date_format(day, "l j F Y")
        }
    return ""


def _book_initial(request, room: Room) -> dict:
    initial = {"attendees": 1, "date": today_local() + timedelta(days=1), "interval": 1}
    for key in ("date", "start_time", "end_time", "attendees"):
        if request.GET.get(key):
            initial[key] = request.GET[key][:10]
    return initial


@require_http_methods(["GET", "POST"])
def book(request, pk):
    """Book a room. A single booking is created at once; a series is first previewed occurrence by
    occurrence, then confirmed (conflicting dates skipped or moved to another room)."""
    room = access_room(request.user, pk)
    form = BookingForm(request.POST or None, initial=_book_initial(request, room), kind=room.kind)
    context = {"room": room, "form": form, "policy": room.policy}
    if request.method == "GET" or not form.is_valid():
        return render(request, "rooms/book.html", context, status=400 if request.method == "POST" else 200)
    data = form.cleaned_data
    try:
        if data.get("rule"):
            return _book_series(request, room, form, data)
        booking = actions.booking_request(
            room=room,
            requester=request.user,
            title=data["title"],
            start=data["start"],
            end=data["end"],
            attendees=data.get("attendees") or 1,
            quantity=data.get("quantity") or 1,
            licence_confirmed=bool(data.get("licence_confirmed")),
            request=request,
        )
    except actions.BookingConflict as exc:
        context["conflict"] = exc
        return render(request, "rooms/book.html", context, status=409)
    except ValidationError as exc:
        form.add_error(None, exc)
        return render(request, "rooms/book.html", context, status=400)
    if booking.status == "pending":
        messages.success(
            request, _("Demande envoyée : le créneau vous est réservé en attendant la validation.")
        )
    else:
        messages.success(request, _("Réservation confirmée."))
    return redirect("rooms:booking", pk=booking.pk)


def _book_series(request, room, form, data):
    rule = data["rule"]
    kwargs = {
        "room": room,
        "requester": request.user,
        "rule": rule,
        "start_time": data["start_time"],
        "end_time": data["end_time"],
        "attendees": data["attendees"],
        "licence_confirmed": bool(data.get("licence_confirmed")),
    }
    if request.POST.get("confirm") == "1":
        other = {}
        for key, value in request.POST.items():
            if key.startswith("room-") and value:
                other[parse_date(key[5:], param=key)] = parse_id(value, param=key)
        try:
            series, created = actions.series_create(
                title=data["title"], other_rooms=other, request=request, **kwargs
            )
        except actions.SeriesConflict as exc:
            return render(
                request,
                "rooms/series_preview.html",
                {"room": room, "form": form, "occurrences": exc.occurrences, "error": str(exc)},
                status=409,
            )
        messages.success(
            request,
            ngettext(
                "Série enregistrée : %(n)s réservation créée.",
                "Série enregistrée : %(n)s réservations créées.",
                len(created),
            )
            % {"n": len(created)},
        )
        return redirect("rooms:mine")
    occurrences = actions.series_preview(**kwargs)
    return render(
        request,
        "rooms/series_preview.html",
        {
            "room": room,
            "form": form,
            "occurrences": occurrences,
            "free_count": sum(o.free for o in occurrences),
        },
    )


@require_GET
def booking_detail(request, pk):
    booking = access_booking(request.user, pk)
    returned = None
    if booking.room.kind == ResourceKind.VEHICLE:
        returned = VehicleReturn.objects.filter(booking=booking).first()
    can_return = (
        booking.room.kind == ResourceKind.VEHICLE
        and returned is None
        and booking.status == BookingStatus.APPROVED
        and booking.start <= timezone.now()
    )
    return render(
        request,
        "rooms/booking_detail.html",
        {
            "booking": booking,
            "abilities": abilities(request.user, booking),
            "reason_form": ReasonForm(),
            "returned": returned,
            "can_return": can_return,
        },
    )


def _decide(request, pk, fn):
    booking = access_booking_as_manager(request.user, pk)
    try:
        fn(booking)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    nxt = request.POST.get("next", "")
    if nxt == "approvals":
        return redirect("rooms:approvals")
    return redirect("rooms:booking", pk=booking.pk)


@require_POST
def booking_approve(request, pk):
    def run(booking):
        actions.booking_approve(booking=booking, approver=request.user, request=request)
        messages.success(request, _("Réservation validée : le demandeur est prévenu."))

    return _decide(request, pk, run)


@require_POST
def booking_reject(request, pk):
    def run(booking):
        actions.booking_reject(
            booking=booking, approver=request.user, reason=request.POST.get("reason", ""), request=request
        )
        messages.success(request, _("Demande refusée : le demandeur est prévenu."))

    return _decide(request, pk, run)


@require_POST
def booking_cancel(request, pk):
    booking = access_booking(request.user, pk)
    scope = request.POST.get("scope", "one")
    try:
        if scope == "following" and booking.series_id:
            n = actions.series_cancel_following(booking=booking, actor=request.user, request=request)
            text = ngettext(
                "%(n)s réservation de la série annulée.", "%(n)s réservations de la série annulées.", n
            )
            messages.success(request, text % {"n": n})
        else:
            actions.booking_cancel(
                booking=booking, actor=request.user, reason=request.POST.get("reason", ""), request=request
            )
            messages.success(request, _("Réservation annulée : le créneau est libéré."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if request.POST.get("next") == "approvals":
        return redirect(reverse("rooms:approvals") + "#a-revoir")
    return redirect("rooms:booking", pk=booking.pk)


@require_POST
def booking_keep(request, pk):
    """A manager keeps a booking that a policy edit flagged: the flag goes (404 for anyone else)."""
    booking = access_booking_as_manager(request.user, pk)
    try:
        actions.booking_keep(booking=booking, manager=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Réservation « %(title)s » maintenue : elle ne sera plus signalée pour cette règle.")
            % {"title": booking.title},
        )
    if request.POST.get("next") == "approvals":
        return redirect(reverse("rooms:approvals") + "#a-revoir")
    return redirect("rooms:booking", pk=booking.pk)


@require_http_methods(["GET", "POST"])
def booking_edit(request, pk):
    booking = access_booking(request.user, pk)
    if not abilities(request.user, booking)["edit"]:
        raise Http404
    start = to_local(booking.start)
    initial = {
        "title": booking.title,
        "date": start.date(),
        "start_time": start.time(),
        "end_time": to_local(booking.end).time(),
        "attendees": booking.attendees,
        "scope": "one",
    }
    form = EditForm(request.POST or None, initial=initial)
    context = {"booking": booking, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data.get("scope") == "following" and booking.series_id:
                n = actions.series_update_following(
                    booking=booking,
                    actor=request.user,
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    request=request,
                )
                text = ngettext("%(n)s réservation déplacée.", "%(n)s réservations déplacées.", n)
                messages.success(request, text % {"n": n})
            else:
                actions.booking_update(
                    booking=booking,
                    actor=request.user,
                    title=data["title"],
                    start=data["start"],
                    end=data["end"],
                    attendees=data["attendees"],
                    request=request,
                )
                messages.success(request, _("Réservation modifiée."))
            return redirect("rooms:booking", pk=booking.pk)
        except actions.BookingConflict as exc:
            context["conflict"] = exc
            return render(request, "rooms/booking_edit.html", context, status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
    status = 400 if request.method == "POST" else 200
    return render(request, "rooms/booking_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def vehicle_return(request, pk):
    """The return form of a pool vehicle: mileage, fuel or charge, incident."""
    booking = access_booking(request.user, pk)
    if booking.room.kind != ResourceKind.VEHICLE:
        raise Http404
    form = VehicleReturnForm(request.POST or None)
    context = {"booking": booking, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            actions.vehicle_return(booking=booking, actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Retour du véhicule enregistré. Merci."))
            return redirect("rooms:booking", pk=booking.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "rooms/vehicle_return.html", context, status=status)


@require_GET
def mine(request):
    return render(
        request,
        "rooms/mine.html",
        {"upcoming": my_bookings(request.user), "past": my_bookings(request.user, past=True, limit=20)},
    )


@require_http_methods(["GET", "POST"])
def approvals(request):
    """« Mes validations »: pending requests of the rooms I manage, approve one or several at once; below,
    the bookings a policy edit left outside the rules, to keep or cancel with a reason."""
    if request.method == "POST":
        ids = [parse_id(v) for v in request.POST.getlist("booking") if is_valid_id(v)]
        if not ids:
            messages.error(request, _("Cochez au moins une demande."))
        elif request.POST.get("action") == "reject":
            try:
                rejected, errors = actions.bookings_reject_batch(
                    ids=ids, approver=request.user, reason=request.POST.get("reason", ""), request=request
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                if rejected:
                    text = ngettext("%(n)s demande refusée.", "%(n)s demandes refusées.", rejected)
                    messages.success(request, text % {"n": rejected})
                for err in errors:
                    messages.error(request, err)
                if not rejected and not errors:
                    raise Http404
        else:
            approved, errors = actions.bookings_approve_batch(ids=ids, approver=request.user, request=request)
            if approved:
                text = ngettext("%(n)s demande validée.", "%(n)s demandes validées.", approved)
                messages.success(request, text % {"n": approved})
            for err in errors:
                messages.error(request, err)
            if not approved and not errors:
                raise Http404
        return redirect("rooms:approvals")
    return render(
        request,
        "rooms/approvals.html",
        {"pending": pending_approvals(request.user), "flagged": flagged_bookings(request.user)},
    )


# --- iCalendar feeds ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def feeds(request):
    """The agent's secret feed address: create (replacing the old one) or revoke."""
    secret = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            actions.feed_token_revoke(user=request.user, request=request)
            messages.success(
                request, _("Adresse d'abonnement révoquée : les agendas abonnés ne se mettent plus à jour.")
            )
            return redirect("rooms:feeds")
        secret = actions.feed_token_create(user=request.user, request=request)
    has_token = request.user.room_feed_tokens.exists()
    base = request.build_absolute_uri("/")[:-1]
    return render(
        request,
        "rooms/feeds.html",
        {
            "secret": secret,
            "has_token": has_token,
            "my_url": f"{base}{reverse('rooms:feed_mine', args=[secret])}" if secret else "",
            "rooms": Room.objects.active().select_related("site") if secret else [],
            "base": base,
        },
    )


def _ics(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_not_required
@require_GET
def feed_mine(request, secret):
    """My bookings (all statuses, for STATUS:CANCELLED to reach the calendar) behind my secret."""
    user = actions.feed_token_user(secret)
    if user is None:
        raise Http404
    rows = feed_bookings(Booking.objects.filter(requester=user))
    return _ics(ical.feed(_("Mes réservations de salles"), rows, can_see=lambda b: True), "mes-reservations")


@login_not_required
@require_GET
def feed_room(request, secret, pk):
    """A room's live bookings behind the agent's secret; titles only where the agent may see them."""
    user = actions.feed_token_user(secret)
    if user is None:
        raise Http404
    room = Room.objects.active().select_related("site").filter(pk=pk).first()
    if room is None:
        raise Http404
    managed = managed_room_ids(user)
    rows = feed_bookings(Booking.objects.filter(room=room, status__in=BLOCKING_STATUSES))

    def can_see(b):
        return user.is_superuser or b.requester_id == user.pk or b.room_id in managed

    return _ics(ical.feed(room.name, rows, can_see=can_see), f"salle-{room.pk}")


@require_GET
def next_slots(request, pk):
    """« Prochain créneau libre » of one room (htmx fragment or page)."""
    room = access_room(request.user, pk)
    minutes = parse_int(
        request.GET.get("duree") or 60,
        minimum=5,
        maximum=1440,
        param="duree",
        message=_("Durée invalide : indiquez un nombre de minutes entre 5 et 1440."),
    )
    slots = next_free_slots(room, datetime.now().astimezone(), timedelta(minutes=minutes), count=5)
    return _partial(
        request,
        "rooms/next_slots.html",
        "rooms/_next_slots.html",
        {"room": room, "slots": slots, "minutes": minutes},
    )
