from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from .actions import acknowledgement_record
from .models import HomePage
from .permissions import can_follow_readers
from .queries import readers_summary


@require_GET
def home(request):
    """The dashboard at "/", served straight from the one HomePage: Wagtail's site lookup and page routing
    cost three queries and most of the page's server time for a page whose place never changes (bench B9)."""
    page = HomePage.objects.live().first()
    if page is None:
        raise Http404
    return page.serve(request)


def acknowledge(request, page):
    """POST « J'ai lu » on a must-read (route `lu/` of the news page, reached only inside its audience).

    htmx gets the updated acknowledgement block; a plain form goes back where it came from."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not page.must_read or not page.is_for(request.user):
        raise Http404
    acknowledgement, _created = acknowledgement_record(page=page, user=request.user)
    if request.htmx:
        return TemplateResponse(
            request, "news/_acknowledged.html", {"page": page, "acknowledged": acknowledgement}
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = page.get_url(request)
    return redirect(target)


def readers(request, page):
    """Who read a must-read and who is missing, for its author, superusers and communication managers."""
    if not page.must_read or not can_follow_readers(request.user, page):
        raise Http404
    return TemplateResponse(
        request, "news/readers.html", {"page": page, "summary": readers_summary(page, with_missing=True)}
    )
