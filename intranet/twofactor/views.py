"""The agent's second factor (« Second facteur » in the account menu), the verification step after the
password, and IT's reset. Thin: each view parses, calls one action or query, renders."""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from . import actions, policy
from .forms import CodeForm, ResetForm, TotpConfirmForm

DEVICE_KINDS = {"application": TOTPDevice, "codes": StaticDevice, "cle": WebAuthnCredential}

WRONG_CODE = _(
    "Ce code ne convient pas. Vérifiez l'heure du téléphone, attendez le code suivant et réessayez ; un code "
    "de secours ne sert qu'une fois."
)
LOCKED = _(
    "Trop de codes erronés : la vérification est bloquée quelques minutes. Réessayez plus tard, ou "
    "adressez-vous au service Systèmes d'information si vous avez perdu votre téléphone."
)


def _next(request) -> str:
    """A path of this site to go on to afterwards, or "" (anything else: another site, or words that are no
    path, which redirect() would try to read as a view's name)."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


def _must_verify_first(request) -> bool:
    """An enrolled agent changes their devices only from a verified session: otherwise a stolen password
    alone could add the thief's app."""
    return not request.user.is_verified() and policy.is_enrolled(request.user)


def _to_verify(request):
    return redirect(f"{reverse('twofactor:verify')}?{urlencode({'next': request.get_full_path()})}")


@require_http_methods(["GET"])
def overview(request):
    if _must_verify_first(request):
        return _to_verify(request)
    user = request.user
    backup = policy.backup_device(user)
    context = {
        "totp": policy.totp_device(user),
        "backup_left": backup.token_set.count() if backup else None,
        "passkeys": list(policy.passkeys(user)),
        "required": policy.is_staff(user),
        "next": _next(request),
    }
    return render(request, "twofactor/overview.html", context)


def _qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=_("QR code à scanner avec l'application d'authentification")
    )


@require_http_methods(["GET", "POST"])
def totp_setup(request):
    if _must_verify_first(request):
        return _to_verify(request)
    device = actions.totp_pending(user=request.user)
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.totp_confirm(
            device=device, code=form.cleaned_data["code"].replace(" ", ""), request=request
        ):
            codes = None
            if policy.backup_device(request.user) is None:
                codes = actions.backup_codes_generate(user=request.user, request=request)
            messages.success(request, _("L'application d'authentification est enregistrée."))
            return render(request, "twofactor/backup_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", LOCKED if actions.is_locked(request.user) else WRONG_CODE)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_svg(device),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "next": _next(request),
    }
    status = 400 if form.errors else 200
    return render(request, "twofactor/totp_setup.html", context, status=status)


@require_POST
def backup_codes(request):
    """New backup codes, shown once (the previous ones stop working)."""
    if not request.user.is_verified():
        return _to_verify(request) if policy.is_enrolled(request.user) else redirect("twofactor:overview")
    codes = actions.backup_codes_generate(user=request.user, request=request)
    return render(request, "twofactor/backup_codes.html", {"codes": codes, "next": ""})


@require_POST
def device_remove(request, kind, pk):
    model = DEVICE_KINDS.get(kind)
    if model is None:
        raise Http404
    if _must_verify_first(request):
        return _to_verify(request)
    device = get_object_or_404(model, pk=pk, user=request.user)
    actions.device_remove(user=request.user, device=device, request=request)
    messages.success(request, _("La méthode de vérification est supprimée."))
    return redirect("twofactor:overview")


@require_http_methods(["GET", "POST"])
def verify(request):
    """The step after the password for an enrolled agent: a code, a backup code or a passkey."""
    next_url = _next(request)
    if not policy.is_enrolled(request.user):
        return redirect(
            f"{reverse('twofactor:overview')}?{urlencode({'next': next_url})}" if next_url else "/"
        )
    if request.user.is_verified():
        return HttpResponseRedirect(next_url or "/")
    form = CodeForm(request.POST or None)
    status = 200
    if actions.is_locked(request.user):
        status = 429
    if request.method == "POST" and form.is_valid():
        result = actions.second_factor_verify(request=request, code=form.cleaned_data["code"])
        if result == actions.VerifyResult.OK:
            return HttpResponseRedirect(next_url or "/")
        form.add_error("code", LOCKED if result == actions.VerifyResult.LOCKED else WRONG_CODE)
        status = 429 if result == actions.VerifyResult.LOCKED else 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "next": next_url,
        "locked": actions.is_locked(request.user),
        "has_passkey": policy.passkeys(request.user).exists(),
    }
    return render(request, "twofactor/verify.html", context, status=status)


@require_http_methods(["GET", "POST"])
def reset(request):
    """IT (superusers) removes an agent's devices after checking who asks; anyone else: 404."""
    if not request.user.is_superuser:
        raise Http404
    form = ResetForm(request.POST or None, initial={"username": request.GET.get("agent", "")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            agent = get_user_model().objects.filter(username=form.cleaned_data["username"].strip()).first()
            if agent is None:
                form.add_error("username", _("Aucun agent n'a cet identifiant. Vérifiez la saisie."))
            else:
                removed = actions.second_factor_reset(
                    agent=agent, actor=request.user, reason=form.cleaned_data["reason"], request=request
                )
                messages.success(
                    request,
                    ngettext(
                        "Second facteur de %(name)s réinitialisé (%(count)s méthode supprimée) ; ses "
                        "sessions sont fermées et l'agent est prévenu.",
                        "Second facteur de %(name)s réinitialisé (%(count)s méthodes supprimées) ; ses "
                        "sessions sont fermées et l'agent est prévenu.",
                        removed,
                    )
                    % {"name": agent.get_full_name() or agent.get_username(), "count": removed},
                )
                return redirect("twofactor:reset")
        status = 400
    return render(request, "twofactor/reset.html", {"form": form}, status=status)
