from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .actions import api_token_create, api_token_revoke, session_end, sessions_end_everywhere
from .app_passwords import (
    access_app_password,
    app_passwords_revoke_by_it,
    create_app_password,
    revoke_app_password,
)
from .forms import AppPasswordForm, AppPasswordsRevokeForm, LoginForm, PersonalTokenForm
from .models import AppPassword, PersonalToken, User, UserSession


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # A `next` pointing back at the login (or logout) page would send an agent already logged in
        # round in circles (Django refuses it with an error): go to the home page instead.
        url = super().get_redirect_url()
        if url and urlsplit(url).path in {resolve_url(settings.LOGIN_URL), reverse("logout")}:
            return ""
        return url

    def form_valid(self, form):
        response = super().form_valid(form)
        # Off by default: the session dies with the browser; "remember me" keeps it for REMEMBER_ME_AGE.
        self.request.session.set_expiry(
            settings.REMEMBER_ME_AGE if form.cleaned_data.get("remember_me") else 0
        )
        return response


class LogoutView(auth_views.LogoutView):
    template_name = "registration/logged_out.html"


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The agent's personal access tokens: create (the secret is shown once) and list."""
    form = PersonalTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"] or None,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = PersonalTokenForm()
    tokens = PersonalToken.objects.active().filter(user=request.user)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request, "people/api_tokens.html", {"form": form, "tokens": tokens, "secret": secret}, status=status
    )


@require_POST
def api_token_revoke_view(request, pk):
    token = get_object_or_404(PersonalToken, pk=pk, user=request.user)
    api_token_revoke(token=token, actor=request.user, request=request)
    messages.success(
        request,
        _("Le jeton « %(name)s » est révoqué : il ne donne plus accès à rien.") % {"name": token.name},
    )
    return redirect("people:api_tokens")


@require_GET
def sessions(request):
    """« Mes appareils et sessions »: where the agent is logged in, and the tokens that act in their name."""
    current = request.session.session_key
    rows = list(UserSession.objects.filter(user=request.user).order_by("-created_at"))
    for row in rows:
        row.is_current = row.session_key == current
    tokens = PersonalToken.objects.active().filter(user=request.user)
    return render(request, "people/sessions.html", {"sessions": rows, "tokens": tokens})


@require_POST
def session_end_view(request, pk):
    row = get_object_or_404(UserSession, pk=pk, user=request.user)
    if row.session_key == request.session.session_key:
        # Ending the session in use is logging out: the same page as the menu's « Se déconnecter ».
        return redirect("people:sessions")
    session_end(user=request.user, session_key=row.session_key, request=request)
    messages.success(request, _("Cette session est fermée : l'appareil devra se reconnecter."))
    return redirect("people:sessions")


@require_POST
def sessions_end_everywhere_view(request):
    sessions_end_everywhere(user=request.user, request=request)
    # This session is gone too: start afresh, as after a logout.
    request.session.flush()
    return redirect("login")


def dav_url() -> str:
    """The network drive's address as agents type it: SITE_URL + /dav/ (where nginx serves WebDAV)."""
    return settings.SITE_URL + "/dav/"


@never_cache  # the page may carry a new secret: no copy of it in any cache
@require_http_methods(["GET", "POST"])
def network_drive(request):
    """« Connecter un lecteur réseau »: the DAV address, the agent's app passwords (create, list, revoke) and
    how to map the drive on Windows, macOS and Linux."""
    form = AppPasswordForm(request.POST or None)
    secret = created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = create_app_password(request.user, form.cleaned_data["label"], request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = AppPasswordForm()
    url = dav_url()
    context = {
        "form": form,
        "secret": secret,
        "created": created,
        "app_passwords": AppPassword.objects.active().filter(user=request.user),
        "dav_url": url,
        "dav_host_path": url.split("://", 1)[-1],
        "dav_is_https": url.startswith("https://"),
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "people/network_drive.html", context, status=status)


@require_http_methods(["GET", "POST"])
def app_password_revoke_view(request, pk):
    """GET asks for confirmation (works without JavaScript); POST revokes. Someone else's: 404."""
    if request.method == "GET":
        app_password = access_app_password(request.user, pk)
        return render(request, "people/app_password_revoke.html", {"app_password": app_password})
    app_password = revoke_app_password(request.user, pk, request=request)
    messages.success(
        request,
        _("Le mot de passe de l'appareil « %(label)s » est révoqué : cet appareil ne peut plus se connecter.")
        % {"label": app_password.label},
    )
    return redirect("people:network_drive")


@require_http_methods(["GET", "POST"])
def app_passwords_revoke_by_it_view(request):
    """IT (superusers) revokes every app password of an agent, reached from Wagtail's users screen; anyone
    else: 404. GET with ?agent= lists that agent's active app passwords."""
    if not request.user.is_superuser:
        raise Http404
    form = AppPasswordsRevokeForm(request.POST or None, initial={"username": request.GET.get("agent", "")})
    status = 200
    username = (request.POST.get("username") if request.method == "POST" else request.GET.get("agent")) or ""
    username = username.strip()[:150]
    # No account has a NUL in its name, and PostgreSQL refuses one in a query.
    agent = User.objects.filter(username=username).first() if username and "\x00" not in username else None
    if request.method == "POST":
        if form.is_valid() and agent is None:
            form.add_error("username", _("Aucun agent n'a cet identifiant. Vérifiez la saisie."))
        elif form.is_valid():
            count = app_passwords_revoke_by_it(
                agent=agent, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
            name = agent.get_full_name() or agent.get_username()
            if count:
                text = ngettext(
                    "%(count)s mot de passe d'application de %(name)s révoqué ; l'agent est prévenu.",
                    "%(count)s mots de passe d'application de %(name)s révoqués ; l'agent est prévenu.",
                    count,
                ) % {"count": count, "name": name}
            else:
                text = _("%(name)s n'avait aucun mot de passe d'application actif : rien à révoquer.") % {
                    "name": name
                }
            messages.success(request, text)
            page = reverse("people:app_passwords_revoke_by_it")
            return redirect(f"{page}?{urlencode({'agent': agent.get_username()})}")
        status = 400
    context = {
        "form": form,
        "agent": agent,
        "app_passwords": AppPassword.objects.active().filter(user=agent) if agent else [],
    }
    return render(request, "people/app_passwords_revoke_by_it.html", context, status=status)
