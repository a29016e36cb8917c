"""Chat pages. Without JavaScript the history reads and the form posts; chat.js adds the live socket."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intranet.params import is_valid_id, parse_id, parse_optional_id

from . import actions
from .choices import MemberRole, NotificationLevel, SalonKind
from .forms import (
    MessageEditForm,
    MessageForm,
    NotificationLevelForm,
    SalonCreateForm,
    SalonSettingsForm,
    UsernameForm,
)
from .models import Message, Salon
from .permissions import abilities, access_joinable_salon, access_message, access_salon, message_abilities
from .queries import (
    active_colleague,
    colleague_suggestions,
    history_page,
    joinable_salons,
    mention_candidates,
    salon_list,
    salon_members,
    salon_title,
)


def _errors(request, exc: ValidationError) -> None:
    for text in exc.messages:
        messages.error(request, text)


def _salon_url(salon, message=None) -> str:
    url = reverse("chat:salon", args=[salon.pk])
    return f"{url}#m-{message.pk}" if message is not None else url


@require_GET
def index(request):
    return render(
        request,
        "chat/index.html",
        {
            "rows": salon_list(request.user),
            "joinable": joinable_salons(request.user),
            "create_form": SalonCreateForm(),
            "direct_form": UsernameForm(auto_id="direct_%s"),
        },
    )


@require_POST
def salon_create(request):
    form = SalonCreateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("chat:index")
    try:
        salon = actions.salon_create(creator=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("chat:index")
    messages.success(request, _("Salon « %(name)s » créé.") % {"name": salon.name})
    return redirect(_salon_url(salon))


NO_COLLEAGUE = _lazy(
    "Aucun agent en activité ne porte ce nom ou cet identifiant : choisissez parmi les suggestions ou "
    "vérifiez dans l'annuaire."
)


def _picked(request) -> str:
    """A suggestion clicked (`pick`, a login) wins over the text typed in the field."""
    return request.POST.get("pick") or request.POST.get("username", "")


@require_GET
def mention_names(request, pk):
    """The names `@` can complete in this salon's composer (members only: 404 otherwise)."""
    salon, _membership = access_salon(request.user, pk)
    return JsonResponse({"names": mention_candidates(salon, request.user)})


@require_GET
def colleagues(request):
    """htmx suggestions under the colleague fields: buttons that submit the enclosing form."""
    query = request.GET.get("username", "")[:150]
    people = colleague_suggestions(request.user, query)
    return render(request, "chat/_suggestions.html", {"people": people, "query": query})


@require_POST
def direct_open(request):
    form = UsernameForm(request.POST)
    other = active_colleague(_picked(request)) if form.is_valid() or request.POST.get("pick") else None
    if other is None:
        messages.error(
            request,
            NO_COLLEAGUE,
        )
        return redirect("chat:index")
    try:
        salon = actions.salon_direct_open(user=request.user, other=other)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("chat:index")
    return redirect(_salon_url(salon))


@require_GET
def salon(request, pk):
    salon, membership = access_salon(request.user, pk)
    before = parse_optional_id(request.GET.get("avant"), param="avant")
    after = None if before else parse_optional_id(request.GET.get("apres"), param="apres")
    # The page's catch-up cursor (chat.js sends it back on each reconnect), read before the history.
    since = timezone.now()
    page = history_page(salon, before=before, after=after)
    context = {
        "since": since,
        "salon": salon,
        "membership": membership,
        "title": salon_title(request.user, salon),
        "page": page,
        "abilities": abilities(request.user, salon, membership),
        "form": MessageForm(),
        "reply_to": None,
    }
    if request.htmx and (before or after):
        return render(request, "chat/_history.html", context)
    reply_uuid = request.GET.get("reponse")
    if reply_uuid:
        context["reply_to"] = Message.objects.filter(salon=salon, uuid=_uuid_or_none(reply_uuid)).first()
    unread_from = membership.last_read_id
    if before is None and after is None:
        actions.membership_mark_read(membership=membership)
    context["unread_from"] = unread_from
    return render(request, "chat/salon.html", context)


def _uuid_or_none(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@require_POST
def message_post(request, pk):
    salon, membership = access_salon(request.user, pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        # Nothing lost: the text comes back in the form.
        return render(
            request,
            "chat/salon.html",
            {
                "salon": salon,
                "membership": membership,
                "title": salon_title(request.user, salon),
                "since": timezone.now(),
                "page": history_page(salon),
                "abilities": abilities(request.user, salon, membership),
                "form": form,
                "unread_from": membership.last_read_id,
            },
            status=400,
        )
    reply_to = None
    if form.cleaned_data.get("reply_to"):
        reply_to = Message.objects.filter(salon=salon, uuid=form.cleaned_data["reply_to"]).first()
    try:
        message = actions.message_post(
            salon=salon, author=request.user, text=form.cleaned_data["text"], reply_to=reply_to
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(_salon_url(salon))
    return redirect(_salon_url(salon, message))


@require_http_methods(["GET", "POST"])
def message_edit(request, pk, uuid):
    salon, membership = access_salon(request.user, pk)
    message = access_message(request.user, salon, membership, uuid)
    if not message_abilities(request.user, message, membership)["edit"]:
        raise Http404
    form = MessageEditForm(request.POST or None, initial={"text": message.text})
    if request.method == "POST" and form.is_valid():
        try:
            actions.message_edit(message=message, user=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error("text", exc.messages[0])
        else:
            messages.success(request, _("Message modifié."))
            return redirect(_salon_url(salon, message))
    return render(
        request,
        "chat/message_edit.html",
        {"salon": salon, "title": salon_title(request.user, salon), "message": message, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def message_delete(request, pk, uuid):
    salon, membership = access_salon(request.user, pk)
    message = access_message(request.user, salon, membership, uuid)
    if not message_abilities(request.user, message, membership)["delete"]:
        raise Http404
    actions.message_delete(message=message, user=request.user)
    messages.success(request, _("Message supprimé."))
    return redirect(_salon_url(salon))


@require_http_methods(["GET", "POST"])
def members(request, pk):
    salon, membership = access_salon(request.user, pk)
    can = abilities(request.user, salon, membership)
    add_form = UsernameForm(auto_id="add_%s")
    settings_form = SalonSettingsForm(
        initial={"name": salon.name, "topic": salon.topic, "retention_days": salon.retention_days}
    )
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op in ("add", "remove", "promote", "demote") and not can["moderate"]:
            raise Http404
        if op == "settings" and not can["settings"]:
            raise Http404
        try:
            if op == "add":
                add_form = UsernameForm(request.POST, auto_id="add_%s")
                other = active_colleague(_picked(request))
                if other is None:
                    add_form.is_valid()
                    add_form.add_error(
                        "username",
                        NO_COLLEAGUE,
                    )
                else:
                    actions.membership_add(salon=salon, user=other, actor=request.user)
                    messages.success(request, _("%(name)s participe maintenant au salon.") % {"name": other})
                    return redirect("chat:members", pk=salon.pk)
            elif op in ("remove", "promote", "demote"):
                target = get_user_model().objects.filter(pk=_int(request.POST.get("user"))).first()
                if target is None:
                    raise Http404
                if op == "remove":
                    actions.membership_remove(salon=salon, user=target, actor=request.user)
                    messages.success(request, _("%(name)s ne participe plus au salon.") % {"name": target})
                else:
                    role = MemberRole.MODERATOR if op == "promote" else MemberRole.MEMBER
                    actions.membership_set_role(salon=salon, user=target, actor=request.user, role=role)
                    messages.success(request, _("Rôle de %(name)s modifié.") % {"name": target})
                return redirect("chat:members", pk=salon.pk)
            elif op == "settings":
                settings_form = SalonSettingsForm(request.POST)
                if settings_form.is_valid():
                    actions.salon_update(salon=salon, actor=request.user, **settings_form.cleaned_data)
                    messages.success(request, _("Salon mis à jour."))
                    return redirect("chat:members", pk=salon.pk)
            elif op in ("archive", "unarchive"):
                if not can["archive"]:
                    raise Http404
                actions.salon_archive(salon=salon, actor=request.user, archived=op == "archive")
                messages.success(request, _("Salon archivé.") if op == "archive" else _("Salon rouvert."))
                return redirect("chat:members", pk=salon.pk)
            elif op == "notifications":
                form = NotificationLevelForm(request.POST)
                if form.is_valid():
                    actions.membership_set_notifications(
                        membership=membership, level=form.cleaned_data["level"]
                    )
                    messages.success(request, _("Préférence de notification enregistrée."))
                return redirect("chat:salon", pk=salon.pk)
            else:
                raise Http404
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _errors(request, exc)
            return redirect("chat:members", pk=salon.pk)
    return render(
        request,
        "chat/members.html",
        {
            "salon": salon,
            "title": salon_title(request.user, salon),
            "members": salon_members(salon),
            "abilities": can,
            "add_form": add_form,
            "settings_form": settings_form,
            "membership": membership,
            "levels": NotificationLevel.choices,
        },
        status=400 if add_form.errors or settings_form.errors else 200,
    )


def _int(value):
    return parse_id(value) if is_valid_id(value) else None


@require_POST
def join(request, pk):
    salon = access_joinable_salon(request.user, pk)
    try:
        actions.salon_join(salon=salon, user=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Vous avez rejoint « %(name)s ».") % {"name": salon.name})
    return redirect(_salon_url(salon))


@require_POST
def leave(request, pk):
    salon, membership = access_salon(request.user, pk)
    try:
        actions.salon_leave(salon=salon, user=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Vous avez quitté « %(name)s ».") % {"name": salon.name})
    return redirect("chat:index")


@require_GET
def department_salon(request, slug):
    """`/discussions/service/<slug>/`: the department's salon, for links from the department page."""
    salon = Salon.objects.filter(kind=SalonKind.DEPARTMENT, department__slug=slug).first()
    if salon is None:
        raise Http404
    access_salon(request.user, salon.pk)  # 404 unless the agent is in it
    return redirect(_salon_url(salon))
