from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from .actions import notification_mark_all_read, notification_mark_read
from .permissions import access_notification
from .queries import notification_page


@require_GET
def notification_list(request):
    page = notification_page(request.user, request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@require_POST
def notification_read(request, pk):
    notification = notification_mark_read(notification=access_notification(request.user, pk))
    if request.htmx:
        return render(request, "notifications/_item.html", {"n": notification})
    return redirect(_back(request))


@require_GET
def notification_open(request, pk):
    """Follow a notification's link, marking it read on the way."""
    notification = notification_mark_read(notification=access_notification(request.user, pk))
    return redirect(notification.url or "notifications:list")


@require_POST
def notification_read_all(request):
    count = notification_mark_all_read(user=request.user)
    if count:
        text = ngettext(
            "%(count)s notification marquée comme lue.", "%(count)s notifications marquées comme lues.", count
        )
        messages.success(request, text % {"count": count})
    else:
        messages.info(request, _("Aucune notification à marquer comme lue."))
    return redirect(_back(request))


def _back(request) -> str:
    nxt = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return "notifications:list"
