"""« Mes notifications » (/compte/notifications/): what reaches the agent's mailbox, per kind; and the signed
unsubscribe links of the e-mails, which need no login."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .actions import notification_preferences_set, notification_unsubscribe
from .forms import PreferencesForm
from .kinds import Kind
from .preferences import DIGEST_TOKEN_KIND, preferences_for, read_unsubscribe_token


@require_http_methods(["GET", "POST"])
def preferences_edit(request):
    current = preferences_for(request.user)
    form = PreferencesForm(request.POST or None, initial_choices=current)
    if request.method == "POST":
        if form.is_valid():
            notification_preferences_set(user=request.user, choices=form.cleaned_data)
            messages.success(request, _("Vos préférences de notification sont enregistrées."))
            return redirect("notification_prefs:edit")
        # Nothing is lost: the form comes back with the agent's choices and a message per wrong field.
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


def _kind_label(kind: str) -> str:
    if kind == DIGEST_TOKEN_KIND:
        return _("le résumé quotidien")
    return str(Kind(kind).label)


# The token is the authority (signed by us, for one agent and one kind), so no login and no CSRF token: a
# mail client's one-click unsubscribe (RFC 8058) POSTs without either. A GET only shows the confirmation,
# so link prefetchers and mail scanners unsubscribe nobody.
@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    decoded = read_unsubscribe_token(token)
    user = None
    if decoded is not None:
        user = get_user_model().objects.filter(pk=decoded[0], is_active=True).first()
    if user is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    kind = decoded[1]
    context = {"kind_label": _kind_label(kind), "token": token}
    if request.method == "POST":
        notification_unsubscribe(user=user, kind=kind)
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(request, "notifications/unsubscribe_confirm.html", context)
