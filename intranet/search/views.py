from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from intranet.params import BadParameter, parse_page

from .queries import search


def _page_number(value) -> int:
    """The search box forgives: a malformed page number is the first page; pages stop at 1000."""
    try:
        return min(parse_page(value), 1000)
    except BadParameter:
        return 1


@require_GET
def index(request):
    """The search page. htmx requests (the box, as you type) get the results fragment only."""
    results = search(
        request,
        request.GET.get("q", ""),
        type_key=request.GET.get("type", ""),
        page=_page_number(request.GET.get("page")),
    )
    context = {"results": results}
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "search/_results.html", context)
    else:
        response = render(request, "search/index.html", context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
